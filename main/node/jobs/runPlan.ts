import { delimiter, join } from 'node:path';
import { withoutCoreSecrets } from '../../base/node/coreEnv';
import type { EnvDetail } from '../../common/envs';
import type { JobSpec } from '../../common/jobs';

/** What a run's plan is made from. */
export interface PlanInput {
  spec: JobSpec;
  runId: string;
  /** The env the spec names, resolved. */
  env?: EnvDetail;
  /** Secret values by name, resolved at run time. */
  secrets: Record<string, string>;
  /** resources/python, for `import lathe`. */
  pythonPath: string;
  /** The Python for a script when there is no env (the notebooks'); else python3 on PATH. */
  python?: string;
}

/**
 * The command a run starts: the spec's command; its script under the env's python (else the notebooks' Python, else
 * python3 on PATH);
 * or its notebook through `lathe nb run` (`core`: node and dist/core/lathe.mjs) with parameters and the env's kernel.
 */
export function runArgv(p: PlanInput, core: { node: string; script: string }): string[] {
  const { spec, env } = p;
  if (spec.command) return spec.command;
  if (spec.script) return [env ? join(env.prefix, 'bin', 'python') : (p.python ?? 'python3'), spec.script, ...(spec.args ?? [])];
  const nb = spec.notebook!;
  const out = nb.replace(/\.ipynb$/, '') + `.run-${p.runId}.ipynb`;
  const params = Object.entries(spec.params ?? {}).flatMap(([k, v]) => ['-p', `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`]);
  return [core.node, core.script, 'nb', 'run', nb, '-o', out, ...params, ...(env?.kernelName ? ['--kernel', env.kernelName] : [])];
}

/**
 * A local run's environment, later entries winning: the user's (without the core's own secrets), the env's
 * activation, the spec's variables, its secrets, then Lathe's (run id and folder, parameters, the client on
 * PYTHONPATH, unbuffered output, and CUDA_VISIBLE_DEVICES set to exactly the GPUs given when the spec asks for GPUs).
 */
export function localRunEnv(p: PlanInput, user: NodeJS.ProcessEnv, runDir: string, gpus: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  Object.assign(env, withoutCoreSecrets(user), p.env?.activation ?? {}, p.spec.envVars ?? {}, p.secrets, {
    LATHE_RUN_ID: p.runId,
    LATHE_RUN_DIR: runDir,
    LATHE_PARAMS: JSON.stringify(p.spec.params ?? {}),
    PYTHONPATH: [p.pythonPath, user.PYTHONPATH].filter(Boolean).join(delimiter),
    PYTHONUNBUFFERED: '1',
    ...(gpus.length || p.spec.resources?.gpus !== undefined ? { CUDA_VISIBLE_DEVICES: gpus.join(',') } : {}),
  });
  return env;
}

/**
 * A container run's environment: the image's own PATH with the env's bin first, the env's conda variables, the
 * spec's variables and secrets, and Lathe's (the run folder is mounted or copied at /lathe/run). Nothing of the
 * user's workstation environment goes in.
 */
export function containerRunEnv(p: PlanInput): Record<string, string> {
  return {
    PATH: [p.env ? join(p.env.prefix, 'bin') : '', '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'].filter(Boolean).join(':'),
    ...(p.env ? { CONDA_PREFIX: p.env.prefix, CONDA_DEFAULT_ENV: p.env.name } : {}),
    ...(p.spec.envVars ?? {}),
    ...p.secrets,
    LATHE_RUN_ID: p.runId,
    LATHE_RUN_DIR: '/lathe/run',
    LATHE_PARAMS: JSON.stringify(p.spec.params ?? {}),
    PYTHONPATH: p.pythonPath,
    PYTHONUNBUFFERED: '1',
  };
}
