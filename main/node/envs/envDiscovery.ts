import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, delimiter, dirname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { CondaInstallation } from '../../common/envs';
import type { LocatorContext } from './condaLocator';

/** Expands `~` and `$VAR`/`${VAR}` in a path from a .condarc, as conda does. */
export function expandPath(p: string, ctx: Pick<LocatorContext, 'env' | 'home'>): string {
  const vars = p.replace(/\$\{(\w+)\}|\$(\w+)/g, (_m, a: string | undefined, b: string | undefined) => ctx.env[(a ?? b)!] ?? '');
  return resolve(vars === '~' || vars.startsWith('~/') ? join(ctx.home, vars.slice(1)) : vars);
}

/** The .condarc files conda reads, in its order (system, root prefix, user, $CONDARC). */
export async function condarcFiles(ctx: LocatorContext, rootPrefixes: string[]): Promise<string[]> {
  const files = ['/etc/conda/.condarc', '/etc/conda/condarc'];
  const d = '/etc/conda/condarc.d';
  try {
    for (const f of (await readdir(d)).sort()) if (/\.ya?ml$/.test(f)) files.push(join(d, f));
  } catch {
    // No condarc.d: nothing to add.
  }
  files.push('/var/lib/conda/.condarc', '/var/lib/conda/condarc');
  for (const r of rootPrefixes) files.push(join(r, '.condarc'), join(r, 'condarc'));
  const xdg = ctx.env.XDG_CONFIG_HOME ?? join(ctx.home, '.config');
  files.push(join(xdg, 'conda', '.condarc'), join(xdg, 'conda', 'condarc'), join(ctx.home, '.conda', '.condarc'), join(ctx.home, '.conda', 'condarc'), join(ctx.home, '.condarc'), join(ctx.home, '.mambarc'));
  if (ctx.env.CONDARC) files.push(ctx.env.CONDARC);
  if (ctx.platform === 'win32') return files.filter((f) => !f.startsWith('/'));
  return files;
}

/** `envs_dirs` (and its old name `envs_path`) from the .condarc files that exist; a broken file is reported, not fatal. */
export async function condarcEnvsDirs(ctx: LocatorContext, rootPrefixes: string[], problems: string[]): Promise<string[]> {
  const dirs: string[] = [];
  for (const f of await condarcFiles(ctx, rootPrefixes)) {
    let text: string;
    try {
      text = await readFile(f, 'utf8');
    } catch {
      continue;
    }
    try {
      const doc = parseYaml(text) as Record<string, unknown> | null;
      for (const key of ['envs_dirs', 'envs_path']) {
        const v = doc?.[key];
        if (Array.isArray(v)) for (const d of v) if (typeof d === 'string') dirs.push(expandPath(d, ctx));
      }
    } catch (err) {
      problems.push(`${f} is not valid YAML (${(err as Error).message.split('\n')[0]}); its envs_dirs were skipped`);
    }
  }
  return dirs;
}

/** The environments.txt files conda appends every env it creates to; as root, every user's (as `conda env list` does). */
export async function environmentsTxtFiles(ctx: LocatorContext, isRoot: boolean, homesDir = '/home'): Promise<string[]> {
  const files = [join(ctx.home, '.conda', 'environments.txt')];
  if (isRoot && ctx.platform !== 'win32') {
    try {
      for (const u of await readdir(homesDir)) files.push(join(homesDir, u, '.conda', 'environments.txt'));
    } catch {
      // No /home: only our own file.
    }
    files.push('/root/.conda/environments.txt');
  }
  return [...new Set(files)];
}

/** Prefixes listed in environments.txt files (one per line; blank and missing ones dropped). */
export async function readEnvironmentsTxt(files: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const f of files) {
    const text = await readFile(f, 'utf8').catch(() => '');
    for (const line of text.split(/\r?\n/)) {
      const p = line.trim();
      if (p && !p.startsWith('#')) out.push(resolve(p));
    }
  }
  return out;
}

/** Whether a folder is a conda env (it has conda-meta/, as conda itself checks). */
export async function isEnv(prefix: string): Promise<boolean> {
  return stat(join(prefix, 'conda-meta')).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

/** The env folders directly inside an envs dir. */
export async function scanEnvsDir(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const found = await Promise.all(names.filter((n) => !n.startsWith('.')).map(async (n) => ((await isEnv(join(dir, n))) ? join(dir, n) : undefined)));
  return found.filter((p): p is string => p !== undefined);
}

/** Where envs are looked for: each root's envs/, ~/.conda/envs, CONDA_ENVS_PATH/CONDA_ENVS_DIRS, .condarc envs_dirs and `info` output. */
export function envsDirsOf(ctx: LocatorContext, installs: CondaInstallation[], condarcDirs: string[]): string[] {
  const dirs: string[] = [];
  for (const v of [ctx.env.CONDA_ENVS_DIRS, ctx.env.CONDA_ENVS_PATH]) if (v) dirs.push(...v.split(v.includes(',') ? ',' : delimiter).filter(Boolean).map((d) => expandPath(d, ctx)));
  dirs.push(...condarcDirs);
  for (const i of installs) dirs.push(...i.envsDirs);
  dirs.push(join(ctx.home, '.conda', 'envs'));
  return [...new Set(dirs.map((d) => resolve(d)))];
}

/** A discovered env before its facts are read. */
export interface FoundEnv {
  prefix: string;
  name: string;
  named: boolean;
  isBase: boolean;
  /** The installation whose root or envs dir holds it. */
  owner?: string;
}

/**
 * Every env prefix: the roots themselves (base), children of the envs dirs, and environments.txt entries
 * that still exist. Names follow conda: "base" for a root, the folder name inside an envs dir.
 */
export async function discoverPrefixes(installs: CondaInstallation[], envsDirs: string[], listed: string[]): Promise<FoundEnv[]> {
  const found = new Map<string, FoundEnv>();
  const ownerOf = (prefix: string): string | undefined => {
    const parent = dirname(prefix);
    return installs.find((i) => i.rootPrefix === prefix || i.envsDirs.includes(parent) || (i.rootPrefix && parent === join(i.rootPrefix, 'envs')))?.exe;
  };
  for (const i of installs) {
    if (i.rootPrefix && !found.has(i.rootPrefix) && (await isEnv(i.rootPrefix))) found.set(i.rootPrefix, { prefix: i.rootPrefix, name: 'base', named: true, isBase: true, owner: i.exe });
  }
  const scanned = await Promise.all(envsDirs.map(async (d) => ({ d, envs: await scanEnvsDir(d) })));
  for (const { envs } of scanned) {
    for (const p of envs) if (!found.has(p)) found.set(p, { prefix: p, name: basename(p), named: true, isBase: false, owner: ownerOf(p) });
  }
  const extra = await Promise.all([...new Set(listed)].filter((p) => !found.has(p)).map(async (p) => ((await isEnv(p)) ? p : undefined)));
  for (const p of extra) {
    if (!p || found.has(p)) continue;
    // A root listed in environments.txt is a base of an installation we did not find on PATH.
    const isBase = await stat(join(p, 'condabin')).then(
      () => true,
      () => false,
    );
    found.set(p, { prefix: p, name: isBase ? 'base' : basename(p), named: isBase || envsDirs.includes(dirname(p)), isBase, owner: ownerOf(p) });
  }
  return [...found.values()];
}
