import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { AppError } from '../main/common/errors';

const run = promisify(execFile);

/** How to launch a Jupyter server: the program and the arguments before Lathe's own. */
export interface JupyterCommand {
  argv: string[];
  /** Where it was found, for messages. */
  source: string;
}

/** The first executable `name` on the PATH of `env`. */
export function onPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // Next.
    }
  }
  return undefined;
}

async function hasJupyterServer(python: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  try {
    await run(python, ['-c', 'import jupyter_server, ipykernel'], { env, timeout: 15_000 });
    return true;
  } catch {
    return false;
  }
}

/**
 * Finds a Python that can run a Jupyter server, in order: the configured Python, `jupyter-server` on PATH,
 * then the Pythons on PATH and the system's. Fails with what to install when there is none.
 */
export async function findJupyterServer(options: { python?: string; env?: NodeJS.ProcessEnv; systemPythons?: string[] } = {}): Promise<JupyterCommand> {
  const env = options.env ?? process.env;
  if (options.python) {
    if (await hasJupyterServer(options.python, env)) return { argv: [options.python, '-m', 'jupyter_server'], source: `configured Python ${options.python}` };
    throw new AppError('JUPYTER_NOT_FOUND', `The configured Python ${options.python} cannot import jupyter_server and ipykernel. Install them into it (conda install jupyter_server ipykernel) or choose another Python.`);
  }
  const script = onPath('jupyter-server', env);
  if (script) return { argv: [script], source: script };
  const tried: string[] = [];
  for (const py of [onPath('python3', env), onPath('python', env), ...(options.systemPythons ?? ['/usr/bin/python3'])]) {
    if (!py || tried.includes(py)) continue;
    tried.push(py);
    if (await hasJupyterServer(py, env)) return { argv: [py, '-m', 'jupyter_server'], source: py };
  }
  throw new AppError(
    'JUPYTER_NOT_FOUND',
    `No Jupyter server found (looked for jupyter-server on PATH and jupyter_server + ipykernel in ${tried.join(', ') || 'no Python'}). ` +
      'Install it: on Debian/Ubuntu `apt install jupyter-server python3-ipykernel`, or `conda install jupyter_server ipykernel`, or `pip install jupyter_server ipykernel`.',
  );
}
