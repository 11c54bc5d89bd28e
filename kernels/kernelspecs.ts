import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { AppError } from '../main/common/errors';

/** A kernel that runs in a given environment (the environments feature creates one per conda env with ipykernel). */
export interface EnvKernelSpec {
  /** Kernelspec name: lowercase letters, digits, `-`, `_`, `.`. */
  name: string;
  displayName: string;
  /** The env's Python (it must have ipykernel). */
  python: string;
  /** Activation variables: PATH with the env's bin first, CONDA_PREFIX, CONDA_DEFAULT_ENV, activate.d exports. */
  env: Record<string, string>;
  language?: string;
  /** The env's prefix, recorded in the spec's metadata so Lathe can tell its env kernels apart. */
  envPrefix?: string;
}

/** The folder Lathe adds to JUPYTER_PATH; its kernels/ holds the kernelspecs Lathe writes. */
export function latheJupyterPath(dataDir: string): string {
  return join(dataDir, 'jupyter', 'share');
}

/**
 * Writes (or replaces) a kernelspec in Lathe's own Jupyter path, so it never touches the user's or the
 * system's kernel folders. The kernel is launched with the env's python and exactly the given variables
 * on top of the server's, so it does not see the base env's libraries first.
 */
export function writeEnvKernelSpec(dataDir: string, spec: EnvKernelSpec): string {
  if (!/^[a-z0-9][a-z0-9._-]{0,63}$/.test(spec.name)) {
    throw new AppError('INVALID_ARGUMENT', `Kernel name "${spec.name}" is not valid: use 1-64 lowercase letters, digits, ".", "-" or "_".`);
  }
  const dir = join(latheJupyterPath(dataDir), 'kernels', spec.name);
  mkdirSync(dir, { recursive: true });
  const kernelJson = {
    argv: [spec.python, '-m', 'ipykernel_launcher', '-f', '{connection_file}'],
    display_name: spec.displayName,
    language: spec.language ?? 'python',
    env: spec.env,
    metadata: { lathe: { managed: true, ...(spec.envPrefix ? { env: spec.envPrefix } : {}) } },
  };
  writeFileSync(join(dir, 'kernel.json'), JSON.stringify(kernelJson, null, 1) + '\n');
  return dir;
}

/** The kernelspecs Lathe wrote for envs: name → the env prefix recorded in it. */
export function listEnvKernelSpecs(dataDir: string): Map<string, string> {
  const out = new Map<string, string>();
  const dir = join(latheJupyterPath(dataDir), 'kernels');
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const n of names) {
    try {
      const j = JSON.parse(readFileSync(join(dir, n, 'kernel.json'), 'utf8')) as { metadata?: { lathe?: { managed?: boolean; env?: string } } };
      if (j.metadata?.lathe?.managed && j.metadata.lathe.env) out.set(n, j.metadata.lathe.env);
    } catch {
      // Not one of ours, or unreadable: leave it alone.
    }
  }
  return out;
}

/** Removes a kernelspec Lathe wrote. */
export function removeEnvKernelSpec(dataDir: string, name: string): void {
  rmSync(join(latheJupyterPath(dataDir), 'kernels', name), { recursive: true, force: true });
}

/** Activation variables for a conda-style prefix: its bin first on PATH, CONDA_PREFIX, CONDA_DEFAULT_ENV, plus extras. */
export function activationEnv(prefix: string, name: string, basePath: string, extra: Record<string, string> = {}): Record<string, string> {
  const bins = process.platform === 'win32' ? [prefix, join(prefix, 'Library', 'bin'), join(prefix, 'Scripts')] : [join(prefix, 'bin')];
  return { PATH: [...bins, basePath].filter(Boolean).join(delimiter), CONDA_PREFIX: prefix, CONDA_DEFAULT_ENV: name, ...extra };
}
