import { execFile } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { delimiter, join, sep } from 'node:path';
import { activationEnv } from '../../../kernels/kernelspecs';

/** Variables a shell sets on its own; never part of an activation. */
const SHELL_OWN = new Set(['PWD', 'OLDPWD', 'SHLVL', '_', 'PS1', 'IFS', 'OPTIND', 'PPID']);

/**
 * PATH without the bin folders of the env that is active in the core's own environment: conda's
 * activate replaces the active env, so a kernel or terminal for env B never sees env A's (or base's) tools.
 */
export function pathWithoutActiveEnv(env: NodeJS.ProcessEnv): string {
  const active = env.CONDA_PREFIX;
  const parts = (env.PATH ?? '').split(delimiter).filter(Boolean);
  if (!active) return parts.join(delimiter);
  return parts.filter((p) => !(p === active || (p.startsWith(active + sep) && !p.endsWith(`${sep}condabin`)))).join(delimiter);
}

/** Variables from `conda env config vars set`, kept in conda-meta/state. */
async function stateVars(prefix: string, problems: string[]): Promise<Record<string, string>> {
  let text: string;
  try {
    text = await readFile(join(prefix, 'conda-meta', 'state'), 'utf8');
  } catch {
    return {};
  }
  try {
    const j = JSON.parse(text) as { env_vars?: Record<string, unknown> };
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(j.env_vars ?? {})) if (/^[A-Za-z_]\w*$/.test(k) && typeof v === 'string') out[k] = v;
    return out;
  } catch (err) {
    problems.push(`conda-meta/state is not valid JSON (${(err as Error).message}); its env vars were skipped`);
    return {};
  }
}

/**
 * Runs the env's `etc/conda/activate.d/*.sh` scripts in a clean `sh` that starts from the activation
 * variables, and returns what they changed (packages like gdal, openssl or cuda-nvcc export variables
 * there). Running them is the only faithful way: they are arbitrary shell.
 */
async function activateDVars(prefix: string, start: Record<string, string>, problems: string[], timeoutMs: number): Promise<Record<string, string>> {
  if (process.platform === 'win32') return {};
  const dir = join(prefix, 'etc', 'conda', 'activate.d');
  let scripts: string[];
  try {
    scripts = (await readdir(dir)).filter((f) => f.endsWith('.sh')).sort().map((f) => join(dir, f));
  } catch {
    return {};
  }
  if (scripts.length === 0) return {};
  // The scripts run in their own `sh`; a script that fails or hangs is reported and its variables are lost, never fatal.
  const script = 'for f in "$@"; do . "$f" || echo "lathe: $f failed" >&2; done; exec "$LATHE_NODE" -e "process.stdout.write(JSON.stringify(process.env))"';
  const env = { ...start, HOME: process.env.HOME ?? '', LATHE_NODE: process.execPath, ELECTRON_RUN_AS_NODE: '1' };
  return new Promise((resolve) => {
    execFile('/bin/sh', ['-c', script, 'sh', ...scripts], { env, timeout: timeoutMs, cwd: prefix }, (err, stdout, stderr) => {
      if (err) {
        problems.push(`activate.d scripts in ${dir} failed (${(stderr || err.message).trim().split('\n').slice(-2).join(' ')}); their variables were skipped`);
        resolve({});
        return;
      }
      if (stderr.trim()) problems.push(stderr.trim().split('\n').slice(-3).join(' '));
      try {
        const after = JSON.parse(stdout) as Record<string, string>;
        const out: Record<string, string> = {};
        for (const [k, v] of Object.entries(after)) {
          if (SHELL_OWN.has(k) || k === 'LATHE_NODE' || k === 'ELECTRON_RUN_AS_NODE' || k === 'HOME') continue;
          if (start[k] !== v) out[k] = v;
        }
        resolve(out);
      } catch {
        problems.push(`activate.d scripts in ${dir} printed something unexpected; their variables were skipped`);
        resolve({});
      }
    });
  });
}

/**
 * Everything an activated env sets: PATH with its bin first (and the core's active env removed),
 * CONDA_PREFIX, CONDA_DEFAULT_ENV, CONDA_SHLVL, the `conda env config vars`, and what activate.d scripts
 * export. CONDA_AUTO_ACTIVATE_BASE=false stops a user's shell rc from re-activating base in a terminal.
 */
export async function activationVariables(
  prefix: string,
  name: string,
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<{ vars: Record<string, string>; problems: string[] }> {
  const problems: string[] = [];
  const base = activationEnv(prefix, name, pathWithoutActiveEnv(options.env ?? process.env), {
    CONDA_SHLVL: '1',
    CONDA_PROMPT_MODIFIER: `(${name}) `,
    CONDA_AUTO_ACTIVATE_BASE: 'false',
  });
  const fromState = await stateVars(prefix, problems);
  const start = { ...base, ...fromState };
  const fromScripts = await activateDVars(prefix, start, problems, options.timeoutMs ?? 10_000);
  return { vars: { ...start, ...fromScripts }, problems };
}
