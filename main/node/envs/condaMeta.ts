import { lstat, readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../../common/errors';
import type { EnvPackage, EnvRevision } from '../../common/envs';

/** One path a package installed, from a conda-meta record's `paths_data`. */
export interface CondaPathEntry {
  _path: string;
  path_type?: 'hardlink' | 'softlink' | 'directory' | string;
  /** The build prefix baked into the file; rewritten to the real prefix when the env moves. */
  prefix_placeholder?: string;
  file_mode?: 'text' | 'binary';
  sha256?: string;
  size_in_bytes?: number;
}

/** A conda-meta/<name>-<version>-<build>.json record (the fields Lathe reads). */
export interface CondaRecord {
  name: string;
  version: string;
  build: string;
  build_number?: number;
  channel?: string;
  url?: string;
  md5?: string;
  sha256?: string;
  subdir?: string;
  depends?: string[];
  files?: string[];
  paths_data?: { paths: CondaPathEntry[]; paths_version?: number };
  /** Set by pip-interop; "pypi" for packages conda records on pip's behalf. */
  fn?: string;
}

/** Splits "scikit-learn-1.5.0-py311h_0.json" into name, version and build (version and build never hold "-"). */
export function parseDistName(file: string): { name: string; version: string; build: string } | undefined {
  const base = file.endsWith('.json') ? file.slice(0, -5) : file;
  const parts = base.split('-');
  if (parts.length < 3) return undefined;
  const build = parts.pop()!;
  const version = parts.pop()!;
  const name = parts.join('-');
  return name && version && build ? { name, version, build } : undefined;
}

/** conda's platform subdirs, the last path segment of a channel URL. */
const SUBDIR = /^(noarch|(linux|osx|win|zos|emscripten|wasi)-[a-z0-9_]+)$/;

/** A channel URL or name as people say it: "https://conda.anaconda.org/conda-forge/linux-64" → "conda-forge". */
export function channelName(channel: string | undefined, url?: string): string {
  const raw = channel || url || '';
  if (!raw) return '';
  if (!raw.includes('://')) return raw.replace(/\/(noarch|(linux|osx|win|zos|emscripten|wasi)-[a-z0-9_]+)$/, '');
  try {
    const u = new URL(raw);
    if (u.protocol === 'file:') return raw.replace(/\/(noarch|(linux|osx|win|zos|emscripten|wasi)-[a-z0-9_]+)(\/[^/]+\.(conda|tar\.bz2))?$/, '');
    const segs = u.pathname.split('/').filter(Boolean);
    // Drop the subdir and a file name; anaconda.org channels are the first path segment, others keep their path.
    if (segs.length && /\.(conda|tar\.bz2)$/.test(segs.at(-1)!)) segs.pop();
    if (segs.length && SUBDIR.test(segs.at(-1)!)) segs.pop();
    if (/(^|\.)anaconda\.(org|com)$/.test(u.hostname)) {
      if (u.hostname === 'repo.anaconda.com') return segs.at(-1) === 'main' || segs.at(-1) === 'r' || segs.at(-1) === 'msys2' ? 'defaults' : segs.join('/');
      return segs[0] ?? raw;
    }
    return `${u.origin}/${segs.join('/')}`;
  } catch {
    return raw;
  }
}

/** The lib folder(s) holding site-packages: lib/python3.X (or python3.Xt) on POSIX, Lib on Windows. */
async function sitePackagesDirs(prefix: string): Promise<string[]> {
  const win = join(prefix, 'Lib', 'site-packages');
  const out: string[] = [];
  try {
    for (const d of await readdir(join(prefix, 'lib'))) if (/^python3\.\d+t?$/.test(d)) out.push(join(prefix, 'lib', d, 'site-packages'));
  } catch {
    // No lib/ (Windows, or an env without Python).
  }
  if (process.platform === 'win32') out.push(win);
  return out;
}

/** The entries of every site-packages folder of an env (missing folders are skipped). */
async function distInfos(prefix: string): Promise<{ dir: string; entry: string }[]> {
  const out: { dir: string; entry: string }[] = [];
  for (const dir of await sitePackagesDirs(prefix)) {
    for (const entry of await readdir(dir).catch(() => [] as string[])) if (entry.endsWith('.dist-info')) out.push({ dir, entry });
  }
  return out;
}

/** What the list shows, read with one readdir of conda-meta and at most one of site-packages. */
export interface QuickInfo {
  python?: string;
  hasIpykernel: boolean;
  hasJupyterServer: boolean;
  packageCount: number;
  modifiedAt?: string;
  /** mtime of conda-meta/history in whole ms (= Date.parse(modifiedAt)), the cache key for slower facts like size. */
  stamp: number;
}

/** Reads the cheap facts of an env; throws ENV_NOT_FOUND when the folder is not a conda env. */
export async function quickInfo(prefix: string): Promise<QuickInfo> {
  let names: string[];
  try {
    names = await readdir(join(prefix, 'conda-meta'));
  } catch {
    throw new AppError('ENV_NOT_FOUND', `${prefix} is not a conda environment (it has no conda-meta folder).`);
  }
  const info: QuickInfo = { hasIpykernel: false, hasJupyterServer: false, packageCount: 0, stamp: 0 };
  for (const f of names) {
    if (!f.endsWith('.json')) continue;
    const d = parseDistName(f);
    if (!d) continue;
    info.packageCount++;
    if (d.name === 'python') info.python = d.version;
    else if (d.name === 'ipykernel') info.hasIpykernel = true;
    else if (d.name === 'jupyter_server' || d.name === 'jupyter-server') info.hasJupyterServer = true;
  }
  if (info.python && (!info.hasIpykernel || !info.hasJupyterServer)) {
    // pip-installed into the env: only a dist-info folder says so.
    for (const { entry: e } of await distInfos(prefix)) {
      if (/^ipykernel-[^-]+\.dist-info$/i.test(e)) info.hasIpykernel = true;
      if (/^jupyter_server-[^-]+\.dist-info$/i.test(e)) info.hasJupyterServer = true;
    }
  }
  const st = await stat(join(prefix, 'conda-meta', 'history')).catch(() => stat(join(prefix, 'conda-meta')));
  info.stamp = st.mtime.getTime();
  info.modifiedAt = st.mtime.toISOString();
  return info;
}

/** Every conda-meta record; a corrupt one is reported by file name and skipped, never fatal. */
export async function readRecords(prefix: string): Promise<{ records: CondaRecord[]; problems: string[] }> {
  const dir = join(prefix, 'conda-meta');
  let names: string[];
  try {
    names = (await readdir(dir)).filter((f) => f.endsWith('.json'));
  } catch {
    throw new AppError('ENV_NOT_FOUND', `${prefix} is not a conda environment (it has no conda-meta folder).`);
  }
  const problems: string[] = [];
  const records = await Promise.all(
    names.map(async (f) => {
      try {
        const r = JSON.parse(await readFile(join(dir, f), 'utf8')) as Partial<CondaRecord>;
        if (typeof r.name !== 'string' || typeof r.version !== 'string' || typeof r.build !== 'string') throw new Error('it lacks name, version or build');
        return r as CondaRecord;
      } catch (err) {
        problems.push(`conda-meta/${f} is corrupt (${(err as Error).message}); reinstall that package or remove the file`);
        return undefined;
      }
    }),
  );
  return { records: records.filter((r): r is CondaRecord => r !== undefined).sort((a, b) => a.name.localeCompare(b.name)), problems };
}

/** Packages pip installed (a dist-info whose INSTALLER is not conda). */
export async function pipPackages(prefix: string): Promise<EnvPackage[]> {
  const out: EnvPackage[] = [];
  for (const { dir, entry } of await distInfos(prefix)) {
    const m = /^(.+)-([^-]+)\.dist-info$/.exec(entry);
    if (!m) continue;
    const installer = (await readFile(join(dir, entry, 'INSTALLER'), 'utf8').catch(() => '')).trim();
    if (installer === 'conda') continue;
    out.push({ name: m[1]!, version: m[2]!, build: 'pypi_0', channel: 'pypi', source: 'pip' });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** The records as packages. */
export function toPackages(records: CondaRecord[]): EnvPackage[] {
  return records.map((r) => ({ name: r.name, version: r.version, build: r.build, channel: channelName(r.channel, r.url), source: 'conda' }));
}

/** Parses a Python list literal of strings, as conda writes specs: "['numpy', \"scipy>=1\"]". */
function pyStringList(s: string): string[] {
  const out: string[] = [];
  const re = /'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"/g;
  for (let m = re.exec(s); m; m = re.exec(s)) out.push(m[1] ?? m[2] ?? '');
  return out;
}

/** Parses conda-meta/history into revisions, oldest (rev 0) first. */
export function parseHistory(text: string): EnvRevision[] {
  const revs: EnvRevision[] = [];
  let cur: EnvRevision | undefined;
  for (const line of text.split(/\r?\n/)) {
    const head = /^==>\s*(.+?)\s*<==\s*$/.exec(line);
    if (head) {
      cur = { rev: revs.length, date: head[1]!, requested: [], removedSpecs: [], added: [], removed: [] };
      revs.push(cur);
      continue;
    }
    if (!cur) continue;
    if (line.startsWith('# cmd:')) cur.command = line.slice(6).trim();
    else if (/^# (update|install|create) specs:/.test(line)) cur.requested.push(...pyStringList(line.slice(line.indexOf(':') + 1)));
    else if (/^# (remove|neutered) specs:/.test(line)) {
      if (line.startsWith('# remove')) cur.removedSpecs.push(...pyStringList(line.slice(line.indexOf(':') + 1)));
    } else if (line.startsWith('+')) cur.added.push(line.slice(1).trim());
    else if (line.startsWith('-')) cur.removed.push(line.slice(1).trim());
  }
  return revs;
}

/** The package name a spec is about: "numpy>=1.26" → numpy, "conda-forge::scipy=1" → scipy. */
export function specName(spec: string): string {
  const noChannel = spec.includes('::') ? spec.slice(spec.lastIndexOf('::') + 2) : spec;
  return noChannel.split(/[\s=<>!~[]/)[0]!.toLowerCase();
}

/** The specs the user asked for over the env's life, minus removed ones (what `--from-history` exports). */
export function requestedSpecs(history: EnvRevision[]): string[] {
  const byName = new Map<string, string>();
  for (const rev of history) {
    for (const s of rev.requested) byName.set(specName(s), s);
    for (const s of rev.removedSpecs) byName.delete(specName(s));
  }
  return [...byName.values()];
}

/** Reads and parses conda-meta/history; a missing file is an env without history. */
export async function readHistory(prefix: string): Promise<EnvRevision[]> {
  try {
    return parseHistory(await readFile(join(prefix, 'conda-meta', 'history'), 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** The executable recorded in the history's first `# cmd:` line, which says which installation made the env. */
export function historyTool(history: EnvRevision[]): string | undefined {
  const cmd = history.find((r) => r.command)?.command;
  return cmd?.split(/\s+/)[0];
}

/** Bytes on disk below a prefix: regular files' sizes, each inode once (conda hard-links from its package cache). */
export async function treeSize(root: string): Promise<number> {
  const seen = new Set<string>();
  let total = 0;
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    await Promise.all(
      entries.map(async (e) => {
        const p = join(dir, e.name);
        if (e.isDirectory()) return walk(p);
        if (!e.isFile()) return;
        const st = await lstat(p).catch(() => undefined);
        if (!st) return;
        if (st.nlink > 1) {
          const key = `${st.dev}:${st.ino}`;
          if (seen.has(key)) return;
          seen.add(key);
        }
        total += st.size;
      }),
    );
  };
  await walk(root);
  return total;
}
