import { describe, expect, it } from 'vitest';
import type { EnvDetail } from '../../common/envs';
import { JobSpecSchema } from '../../common/jobs';
import { containerRunEnv, localRunEnv, runArgv, type PlanInput } from './runPlan';

const spec = (s: Record<string, unknown>) => JobSpecSchema.parse({ name: 'j', ...s });
const env = { prefix: '/envs/iris', name: 'iris', kernelName: 'lathe-iris', activation: { PATH: '/envs/iris/bin:/usr/bin', CONDA_PREFIX: '/envs/iris', FROM_ACTIVATE: 'a', SHARED: 'activation' } } as unknown as EnvDetail;
const core = { node: '/usr/bin/node', script: '/app/dist/core/lathe.mjs' };

describe('run plans', () => {
  it('starts a command as written, a script under the env python, a notebook through lathe nb run', () => {
    expect(runArgv({ spec: spec({ command: ['echo', 'hi'] }), runId: 'r1', secrets: {}, pythonPath: '/py' }, core)).toEqual(['echo', 'hi']);
    expect(runArgv({ spec: spec({ script: 'train.py', args: ['--lr', '0.1'] }), runId: 'r1', env, secrets: {}, pythonPath: '/py' }, core)).toEqual(['/envs/iris/bin/python', 'train.py', '--lr', '0.1']);
    expect(runArgv({ spec: spec({ script: 'train.py' }), runId: 'r1', secrets: {}, pythonPath: '/py' }, core)).toEqual(['python3', 'train.py']);
    expect(runArgv({ spec: spec({ notebook: 'nb/train.ipynb', params: { lr: 0.1, tag: 'x y' } }), runId: 'r9', env, secrets: {}, pythonPath: '/py' }, core)).toEqual([
      '/usr/bin/node', '/app/dist/core/lathe.mjs', 'nb', 'run', 'nb/train.ipynb', '-o', 'nb/train.run-r9.ipynb', '-p', 'lr=0.1', '-p', 'tag=x y', '--kernel', 'lathe-iris',
    ]);
  });

  it('gives a local run the user environment without the core secrets, then activation, spec, secrets and Lathe, in that order', () => {
    const p: PlanInput = { spec: spec({ command: ['true'], envVars: { SHARED: 'spec', MINE: '1' }, params: { lr: 0.5 }, resources: { gpus: 1 } }), runId: 'r1', env, secrets: { API_TOKEN: 's3cret' }, pythonPath: '/lathe/python' };
    const e = localRunEnv(p, { HOME: '/home/u', PATH: '/usr/bin', PYTHONPATH: '/user/lib', LATHE_TOKEN: 'core-token', LATHE_STORE_KEY: 'k' }, '/data/runs/r1', ['GPU-abc']);
    expect(e).toMatchObject({ HOME: '/home/u', PATH: '/envs/iris/bin:/usr/bin', FROM_ACTIVATE: 'a', SHARED: 'spec', MINE: '1', API_TOKEN: 's3cret', LATHE_RUN_ID: 'r1', LATHE_RUN_DIR: '/data/runs/r1', LATHE_PARAMS: '{"lr":0.5}', PYTHONPATH: '/lathe/python:/user/lib', PYTHONUNBUFFERED: '1', CUDA_VISIBLE_DEVICES: 'GPU-abc' });
    expect(e.LATHE_TOKEN).toBeUndefined();
    expect(e.LATHE_STORE_KEY).toBeUndefined();
  });

  it('hides every GPU from a run that asked for none, and leaves a run that did not say alone', () => {
    const base = { runId: 'r', secrets: {}, pythonPath: '/py' };
    expect(localRunEnv({ ...base, spec: spec({ command: ['true'], resources: { gpus: 0 } }) }, {}, '/d', []).CUDA_VISIBLE_DEVICES).toBe('');
    expect(localRunEnv({ ...base, spec: spec({ command: ['true'] }) }, { CUDA_VISIBLE_DEVICES: '3' }, '/d', []).CUDA_VISIBLE_DEVICES).toBe('3');
  });

  it('gives a container run none of the workstation environment', () => {
    const e = containerRunEnv({ spec: spec({ command: ['true'], envVars: { A: '1' } }), runId: 'r2', env, secrets: { T: 'v' }, pythonPath: '/lathe/python' });
    expect(e).toEqual({ PATH: '/envs/iris/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', CONDA_PREFIX: '/envs/iris', CONDA_DEFAULT_ENV: 'iris', A: '1', T: 'v', LATHE_RUN_ID: 'r2', LATHE_RUN_DIR: '/lathe/run', LATHE_PARAMS: '{}', PYTHONPATH: '/lathe/python', PYTHONUNBUFFERED: '1' });
  });
});
