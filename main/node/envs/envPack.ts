import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, open, readFile, readdir, readlink, rename, rm, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { Duplex, Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { AppError } from '../../common/errors';
import type { PackFormat, PackManifest, PackResult } from '../../common/envs';
import { channelName, readRecords } from './condaMeta';
import { CONDA_UNPACK_SCRIPT, MANIFEST_PATH } from './condaUnpackScript';
import type { RelocEntry } from './relocate';
import { END_OF_ARCHIVE, entryHeader, padding, type TarEntry } from './tarWriter';

/** The archive format a file name asks for. */
export function formatOf(file: string, explicit?: PackFormat): PackFormat {
  if (explicit) return explicit;
  if (/\.(tar\.zst|tzst)$/.test(file)) return 'tar.zst';
  if (/\.(tar\.gz|tgz)$/.test(file)) return 'tar.gz';
  throw new AppError('INVALID_ARGUMENT', `Cannot tell the archive format from "${basename(file)}": name it .tar.gz or .tar.zst, or pass the format.`);
}

/** A slug for a published env: lowercase letters, digits and dashes. */
export function slugOf(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'env';
}

/** A compressor for a format: zlib for gzip, the `zstd` tool (all cores) for zstd. */
export function compressor(format: PackFormat): Duplex {
  if (format === 'tar.gz') return createGzip({ level: 6, chunkSize: 1 << 20 });
  return toolStream('zstd', ['-T0', '-3', '-q', '-c'], 'compress');
}

/** A child process as a duplex stream; a missing tool is an error that says what to install. */
export function toolStream(cmd: string, args: string[], what: string): Duplex {
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
  const d = Duplex.from({ writable: child.stdin, readable: child.stdout });
  child.on('error', (e: NodeJS.ErrnoException) => d.destroy(e.code === 'ENOENT' ? new AppError('ZSTD_MISSING', `Cannot ${what} .tar.zst: the zstd tool is not installed. Install it (apt install zstd, brew install zstd) or use .tar.gz.`) : e));
  child.on('close', (code) => {
    if (code) d.destroy(new AppError('ARCHIVE_FAILED', `zstd exited with ${code}: ${err.trim() || 'no message'}`));
  });
  return d;
}

interface WalkEntry extends TarEntry {
  abs: string;
}

/** Every entry below a prefix, directories before their contents; symlinks checked and made relative. */
async function walk(prefix: string, skip: Set<string>): Promise<WalkEntry[]> {
  const out: WalkEntry[] = [];
  const visit = async (dir: string): Promise<void> => {
    const names = (await readdir(dir)).sort();
    for (const n of names) {
      const abs = join(dir, n);
      const rel = relative(prefix, abs).split(sep).join('/');
      if (skip.has(rel)) continue;
      const st = await lstat(abs);
      const mtime = Math.floor(st.mtimeMs / 1000);
      if (st.isSymbolicLink()) {
        let target = await readlink(abs);
        const resolved = resolve(dirname(abs), target);
        if (resolved !== prefix && !resolved.startsWith(prefix + sep)) {
          throw new AppError('PACK_OUTWARD_SYMLINK', `${rel} is a symlink to ${target}, outside the env: an archive cannot carry it. Replace it with a copy of what it points to, or remove it, and pack again.`);
        }
        // An absolute link into the env would point back at the old place after unpacking: make it relative.
        if (isAbsolute(target)) target = relative(dirname(abs), resolved) || '.';
        out.push({ abs, path: rel, type: 'symlink', mode: 0o777, linkpath: target, mtime });
      } else if (st.isDirectory()) {
        out.push({ abs, path: rel, type: 'dir', mode: st.mode, mtime });
        await visit(abs);
      } else if (st.isFile()) {
        out.push({ abs, path: rel, type: 'file', mode: st.mode, size: st.size, mtime });
      }
      // Sockets, fifos and devices have no place in an env; they are left out.
    }
  };
  await visit(prefix);
  return out;
}

/** Unmanaged text files (pip scripts, user files) that contain the prefix: relocated as text on unpack. */
async function unmanagedWithPrefix(entries: WalkEntry[], managed: Set<string>, prefix: string): Promise<RelocEntry[]> {
  const needle = Buffer.from(prefix);
  const out: RelocEntry[] = [];
  for (const e of entries) {
    if (e.type !== 'file' || managed.has(e.path) || (e.size ?? 0) > 16 * 1024 * 1024 || e.path.startsWith('conda-meta/')) continue;
    if (/\.(pyc|so|so\.\d.*|dylib|a|o|whl|zip|gz|png|jpg)$/.test(e.path)) continue;
    const data = await readFile(e.abs);
    if (data.indexOf(needle) < 0) continue;
    if (data.subarray(0, 8000).includes(0)) continue; // binary: only records say how to patch those safely
    out.push({ path: e.path, mode: 'text' });
  }
  return out;
}

/** Options for packing. */
export interface PackOptions {
  prefix: string;
  name: string;
  output: string;
  format?: PackFormat;
  version?: string;
  createdBy: string;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/**
 * Packs an env into a relocatable archive in conda-pack's layout: the env's files at the archive root,
 * `bin/conda-unpack` (a stdlib-only Python script that relocates in place, for people without Lathe),
 * and `.lathe-pack/manifest.json` (what it is, and every file that has the prefix baked in, from the
 * conda-meta records' prefix_placeholder and a scan of unmanaged text files). The archive is written to a
 * temporary name and renamed when complete; its sha256 goes into a `<file>.manifest.json` next to it.
 */
export async function packEnv(o: PackOptions): Promise<PackResult> {
  const prefix = resolve(o.prefix);
  const output = resolve(o.output);
  const format = formatOf(output, o.format);
  if (output.startsWith(prefix + sep)) throw new AppError('INVALID_ARGUMENT', `The archive ${output} would be inside the env it packs; write it somewhere else.`);
  const outDir = await stat(dirname(output)).catch(() => undefined);
  if (!outDir?.isDirectory()) throw new AppError('INVALID_ARGUMENT', `The folder ${dirname(output)} does not exist; create it first.`);
  const { records, problems } = await readRecords(prefix);
  if (problems.length) throw new AppError('ENV_CORRUPT', `Cannot pack ${prefix}: ${problems.join('; ')}. Relocation needs every record.`);

  const entries = await walk(prefix, new Set(['.lathe-pack']));
  const managed = new Set(records.flatMap((r) => r.files ?? []));
  const relocate: RelocEntry[] = [];
  for (const r of records) for (const p of r.paths_data?.paths ?? []) if (p.prefix_placeholder) relocate.push({ path: p._path, mode: p.file_mode === 'binary' ? 'binary' : 'text' });
  relocate.push(...(await unmanagedWithPrefix(entries, managed, prefix)));
  const python = records.find((r) => r.name === 'python')?.version;
  const manifest: PackManifest = {
    kind: 'lathe-env-pack',
    formatVersion: 1,
    name: o.name,
    version: o.version ?? new Date().toISOString().slice(0, 10).replace(/-/g, '.'),
    slug: slugOf(o.name),
    python,
    platform: records.find((r) => r.subdir && r.subdir !== 'noarch')?.subdir ?? 'noarch',
    packages: records.map((r) => ({ name: r.name, version: r.version, build: r.build, channel: channelName(r.channel, r.url) })),
    sizeBytes: entries.reduce((n, e) => n + (e.size ?? 0), 0),
    fileCount: entries.filter((e) => e.type === 'file').length,
    createdBy: o.createdBy,
    createdAt: new Date().toISOString(),
    sourcePrefix: prefix,
    sourceHost: hostname(),
    relocate,
  };
  const extra: { path: string; data: Buffer; mode: number }[] = [{ path: MANIFEST_PATH, data: Buffer.from(JSON.stringify(manifest, null, 1)), mode: 0o644 }];
  if (!entries.some((e) => e.path === 'bin/conda-unpack')) extra.push({ path: 'bin/conda-unpack', data: Buffer.from(CONDA_UNPACK_SCRIPT), mode: 0o755 });
  const total = manifest.sizeBytes;

  async function* tarStream(): AsyncGenerator<Buffer> {
    let done = 0;
    let reported = 0;
    yield entryHeader({ path: '.lathe-pack', type: 'dir', mode: 0o755, mtime: Date.now() / 1000 });
    for (const x of extra) {
      yield entryHeader({ path: x.path, type: 'file', mode: x.mode, size: x.data.length, mtime: Date.now() / 1000 });
      yield x.data;
      yield Buffer.alloc(padding(x.data.length));
    }
    for (const e of entries) {
      yield entryHeader(e);
      if (e.type !== 'file') continue;
      let n = 0;
      for await (const chunk of createReadStream(e.abs, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
        // A file that grows while we read would break the header's size: stop at the size we announced.
        const part = n + chunk.length > e.size! ? chunk.subarray(0, e.size! - n) : chunk;
        n += part.length;
        yield part;
        if (n >= e.size!) break;
      }
      if (n < e.size!) throw new AppError('PACK_CHANGED', `${e.path} shrank while it was being packed; stop what is changing the env and pack again.`);
      yield Buffer.alloc(padding(e.size!));
      done += e.size!;
      if (done - reported > 8 * 1024 * 1024 || done === total) {
        reported = done;
        o.onProgress?.(done, total);
      }
    }
    yield END_OF_ARCHIVE;
  }

  const hash = createHash('sha256');
  let archiveBytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      archiveBytes += chunk.length;
      cb(null, chunk);
    },
  });
  const partial = `${output}.partial`;
  try {
    await pipeline(Readable.from(tarStream(), { objectMode: false }), compressor(format), tap, createWriteStream(partial, { mode: 0o644 }), { signal: o.signal });
    await rename(partial, output);
  } catch (err) {
    await rm(partial, { force: true });
    if (o.signal?.aborted) throw new AppError('CANCELLED', 'Packing was cancelled; the partial archive was removed.');
    throw err;
  }
  const result: PackResult = { file: output, format, sha256: hash.digest('hex'), archiveBytes, manifest };
  await writeFile(`${output}.manifest.json`, JSON.stringify({ ...manifest, sha256: result.sha256, archiveBytes, file: basename(output) }, null, 1) + '\n');
  return result;
}

/** sha256 of a file, streamed. */
export async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) h.update(c);
  return h.digest('hex');
}

/** Reads the first bytes of a file (for format sniffing). */
export async function magic(file: string): Promise<Buffer> {
  const fh = await open(file, 'r');
  try {
    const b = Buffer.alloc(4);
    await fh.read(b, 0, 4, 0);
    return b;
  } finally {
    await fh.close();
  }
}
