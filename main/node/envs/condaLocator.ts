import { execFile } from 'node:child_process';
import { access, constants, realpath } from 'node:fs/promises';
import { basename, delimiter, dirname, join } from 'node:path';
import type { CondaInstallation, CondaTool } from '../../common/envs';

/** What discovery looks at; tests pass their own home, PATH and roots. */
export interface LocatorContext {
  env: NodeJS.ProcessEnv;
  home: string;
  platform: NodeJS.Platform;
  /** The user's chosen executable (settings), searched first. */
  configuredExe?: string;
}

/** The tool an executable is, by its file name. */
export function toolOf(exe: string): CondaTool | undefined {
  const b = basename(exe).toLowerCase().replace(/\.(exe|bat|cmd)$/, '');
  return b === 'conda' || b === 'mamba' || b === 'micromamba' ? b : undefined;
}

/** The usual places installers put a conda root, per OS (Positron's and VS Code's lists, plus /opt). */
export function usualRoots(ctx: LocatorContext): string[] {
  const h = ctx.home;
  const names = ['miniforge3', 'mambaforge', 'miniconda3', 'anaconda3', 'miniconda', 'anaconda'];
  if (ctx.platform === 'win32') {
    const bases = [h, ctx.env.LOCALAPPDATA, ctx.env.ProgramData ?? 'C:\\ProgramData', join(ctx.env.LOCALAPPDATA ?? join(h, 'AppData', 'Local'), 'Continuum')].filter(Boolean) as string[];
    return bases.flatMap((b) => names.map((n) => join(b, n)));
  }
  const roots = names.map((n) => join(h, n));
  roots.push(join(h, '.local', 'share', 'mamba'), join(h, 'micromamba'), '/opt/conda', ...names.map((n) => join('/opt', n)));
  if (ctx.platform === 'darwin') {
    roots.push(...names.map((n) => join(h, 'opt', n)));
    for (const brew of ['/opt/homebrew', '/usr/local']) roots.push(join(brew, 'Caskroom', 'miniforge', 'base'), join(brew, 'Caskroom', 'miniconda', 'base'), join(brew, 'anaconda3'));
  } else {
    roots.push('/usr/local/miniconda3', '/usr/local/anaconda3', '/usr/share/miniconda');
  }
  return roots;
}

async function isExecutable(p: string): Promise<boolean> {
  try {
    await access(p, process.platform === 'win32' ? constants.F_OK : constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** A conda or mamba executable's root prefix: the folder above bin/, condabin/ or Scripts/. */
export function rootFromExe(exe: string): string | undefined {
  const dir = dirname(exe);
  return ['bin', 'condabin', 'Scripts', 'Library'].includes(basename(dir)) ? dirname(dir) : undefined;
}

/**
 * Every conda installation this user has, without running any of them (so it is fast): the configured
 * executable, CONDA_EXE, MAMBA_EXE, conda/mamba/micromamba on PATH, and tools inside the usual roots.
 * The same executable reached twice (symlinks) is listed once.
 */
export async function findInstallations(ctx: LocatorContext): Promise<CondaInstallation[]> {
  const candidates: { exe: string; source: string }[] = [];
  if (ctx.configuredExe) candidates.push({ exe: ctx.configuredExe, source: 'setting' });
  if (ctx.env.CONDA_EXE) candidates.push({ exe: ctx.env.CONDA_EXE, source: 'CONDA_EXE' });
  if (ctx.env.MAMBA_EXE) candidates.push({ exe: ctx.env.MAMBA_EXE, source: 'MAMBA_EXE' });
  const exts = ctx.platform === 'win32' ? ['.exe', '.bat'] : [''];
  for (const dir of (ctx.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    for (const t of ['conda', 'mamba', 'micromamba']) for (const ext of exts) candidates.push({ exe: join(dir, t + ext), source: 'PATH' });
  }
  for (const root of usualRoots(ctx)) {
    const tilde = root.startsWith(ctx.home) ? `~${root.slice(ctx.home.length)}` : root;
    const bins = ctx.platform === 'win32' ? [join(root, 'Scripts', 'conda.exe'), join(root, 'Scripts', 'mamba.exe'), join(root, 'condabin', 'conda.bat')] : [join(root, 'bin', 'conda'), join(root, 'condabin', 'conda'), join(root, 'bin', 'mamba'), join(root, 'bin', 'micromamba')];
    for (const exe of bins) candidates.push({ exe, source: `root ${tilde}` });
  }
  const seen = new Set<string>();
  const out: CondaInstallation[] = [];
  for (const c of candidates) {
    const tool = toolOf(c.exe);
    if (!tool || !(await isExecutable(c.exe))) continue;
    const real = await realpath(c.exe).catch(() => c.exe);
    // A condabin/conda and bin/conda of one root are the same installation.
    const key = `${tool}:${tool === 'micromamba' ? real : (rootFromExe(real) ?? real)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const rootPrefix = tool === 'micromamba' ? await micromambaRoot(ctx) : rootFromExe(c.exe);
    out.push({ tool, exe: c.exe, rootPrefix, envsDirs: rootPrefix ? [join(rootPrefix, 'envs')] : [], source: c.source });
  }
  return out;
}

/** micromamba's root prefix: MAMBA_ROOT_PREFIX, else its 2.x default, else its 1.x default, whichever exists. */
async function micromambaRoot(ctx: LocatorContext): Promise<string | undefined> {
  if (ctx.env.MAMBA_ROOT_PREFIX) return ctx.env.MAMBA_ROOT_PREFIX;
  for (const r of [join(ctx.home, '.local', 'share', 'mamba'), join(ctx.home, 'micromamba')]) if (await isExecutable(r)) return r;
  return undefined;
}

/** What `info --json` adds to the on-disk view. */
export interface CondaInfo {
  version?: string;
  rootPrefix?: string;
  envsDirs: string[];
  envs: string[];
}

/**
 * Runs `<exe> info --json` once and normalises conda's and micromamba's different keys. It is slow
 * (a second or more for conda), so callers run it in the background and cache the result.
 */
export function condaInfo(exe: string, tool: CondaTool, timeoutMs = 30_000): Promise<CondaInfo> {
  return new Promise((resolve, reject) => {
    execFile(exe, ['info', '--json'], { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, CONDA_NO_PLUGINS: process.env.CONDA_NO_PLUGINS } }, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`${basename(exe)} info --json failed: ${(stderr || err.message).trim().split('\n').slice(-3).join(' ')}`));
        return;
      }
      try {
        resolve(parseCondaInfo(stdout, tool));
      } catch (e) {
        reject(new Error(`${basename(exe)} info --json printed something that is not JSON: ${(e as Error).message}`));
      }
    });
  });
}

/** Normalises `info --json` output: conda/mamba 1 use snake_case keys, micromamba (and mamba 2) spaced words. */
export function parseCondaInfo(stdout: string, tool: CondaTool): CondaInfo {
  const j = JSON.parse(stdout) as Record<string, unknown>;
  const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  if ('conda_version' in j || 'root_prefix' in j) {
    return { version: str(j.mamba_version) ?? str(j.conda_version), rootPrefix: str(j.root_prefix), envsDirs: strs(j.envs_dirs), envs: strs(j.envs) };
  }
  return {
    version: str(j[`${tool} version`]) ?? str(j['micromamba version']) ?? str(j['mamba version']) ?? str(j['libmamba version']),
    rootPrefix: str(j['base environment']) ?? str(j['root prefix']),
    envsDirs: strs(j['envs directories']),
    envs: strs(j.envs),
  };
}
