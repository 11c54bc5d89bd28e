import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { close as fsClose, createWriteStream, open as fsOpen, read as fsRead } from 'node:fs';
import { lstat, open, readdir, readlink, rename, rm, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { AppError } from '../../common/errors';
import type { PackFormat, PackManifest, PackResult } from '../../common/envs';
import { hashGrowing, sha256File } from './archiveFiles';
import { channelName, readRecords, type CondaRecord } from './condaMeta';
import { CONDA_UNPACK_SCRIPT, MANIFEST_PATH } from './condaUnpackScript';
import type { RelocEntry } from './relocate';
import { END_OF_ARCHIVE, entryHeader, padding, type TarEntry } from '../../base/node/tarWriter';

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

/** Feeds `produce` into `zstd -T0 -o file`; resolves when zstd has written and closed the file. */
async function zstdToFile(produce: (put: (b: Buffer) => Promise<void>) => Promise<void>, file: string, signal?: AbortSignal): Promise<void> {
  const child = spawn('zstd', ['-T0', '-3', '-q', '-f', '-o', file], { stdio: ['pipe', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
  const exited = new Promise<void>((res, rej) => {
    child.on('error', (e: NodeJS.ErrnoException) => rej(e.code === 'ENOENT' ? new AppError('ZSTD_MISSING', 'Cannot write .tar.zst: the zstd tool is not installed. Install it (apt install zstd, brew install zstd) or use .tar.gz.') : e));
    child.on('close', (code, sig) => (code === 0 ? res() : rej(new AppError('ARCHIVE_FAILED', `zstd exited with ${code ?? sig}: ${err.trim() || 'no message'}`))));
  });
  exited.catch(() => undefined);
  child.stdin.on('error', () => undefined); // EPIPE when zstd dies: its exit says why
  try {
    await produce(writer(child.stdin));
    child.stdin.end();
  } catch (e) {
    child.kill('SIGTERM');
    // If zstd died first, its reason beats the broken pipe.
    await exited.catch((z: unknown) => {
      throw signal?.aborted ? e : z;
    });
    throw e;
  }
  await exited;
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

/** Whether an unmanaged file is worth searching for the prefix (text-like and not huge). */
function scannable(e: WalkEntry, managed: Set<string>): boolean {
  return e.type === 'file' && !managed.has(e.path) && (e.size ?? 0) <= 16 * 1024 * 1024 && !e.path.startsWith('conda-meta/') && !/\.(pyc|so|so\.\d.*|dylib|a|o|whl|zip|gz|png|jpg)$/.test(e.path);
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
  /** The `conda-pack` tool, when the user has it: it writes the archive (with its own bin/conda-unpack). */
  condaPack?: string;
}

/** Runs the user's conda-pack to write the archive. */
function runCondaPack(tool: string, prefix: string, output: string, format: PackFormat, signal?: AbortSignal): Promise<void> {
  return new Promise((res, rej) => {
    const child = spawn(tool, ['--prefix', prefix, '--output', output, '--format', format, '--force', '--quiet'], { stdio: ['ignore', 'ignore', 'pipe'], signal });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    child.on('error', (e) => rej(signal?.aborted ? new AppError('CANCELLED', 'Packing was cancelled.') : new AppError('PACK_FAILED', `Cannot run ${tool}: ${e.message}`)));
    child.on('close', (code) => (code === 0 ? res() : rej(new AppError('PACK_FAILED', `conda-pack failed (exit ${code}): ${err.trim().split('\n').slice(-3).join(' ') || 'no message'}`))));
  });
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

  if (o.condaPack) {
    // conda-pack writes the archive (its layout, its relocation script); Lathe adds the manifest beside it.
    const relocate: RelocEntry[] = [];
    for (const r of records) for (const p of r.paths_data?.paths ?? []) if (p.prefix_placeholder) relocate.push({ path: p._path, mode: p.file_mode === 'binary' ? 'binary' : 'text' });
    const partial = `${output}.partial.${format}`;
    try {
      await runCondaPack(o.condaPack, prefix, partial, format, o.signal);
      await rename(partial, output);
    } catch (err) {
      await rm(partial, { force: true });
      throw err;
    }
    const manifest = manifestOf(o, prefix, records, relocate, await treeStats(prefix));
    const sha256 = await sha256File(output);
    const archiveBytes = (await stat(output)).size;
    await writeFile(`${output}.manifest.json`, JSON.stringify({ ...manifest, sha256, archiveBytes, file: basename(output), packedBy: 'conda-pack' }, null, 1) + '\n');
    o.onProgress?.(manifest.sizeBytes, manifest.sizeBytes);
    return { file: output, format, sha256, archiveBytes, manifest };
  }

  const entries = await walk(prefix, new Set(['.lathe-pack']));
  const managed = new Set(records.flatMap((r) => r.files ?? []));
  const relocate: RelocEntry[] = [];
  for (const r of records) for (const p of r.paths_data?.paths ?? []) if (p.prefix_placeholder) relocate.push({ path: p._path, mode: p.file_mode === 'binary' ? 'binary' : 'text' });
  const manifest = manifestOf(o, prefix, records, relocate, { sizeBytes: entries.reduce((n, e) => n + (e.size ?? 0), 0), fileCount: entries.filter((e) => e.type === 'file').length });
  const total = manifest.sizeBytes;
  const needle = Buffer.from(prefix);

  const CHUNK = 1 << 20;
  /** Files up to this size are read whole, several ahead of the writer. */
  const SMALL = CHUNK;
  /** How many entries ahead small files are read: an env is mostly small files, and one open/read/close at a
   *  time through libuv's thread pool left the compressor waiting (2,000 files cost 0.4 s of round trips). */
  const AHEAD = 32;
  const isSmall = (e: WalkEntry) => e.type === 'file' && e.size! <= SMALL;
  const changed = (e: WalkEntry) => new AppError('PACK_CHANGED', `${e.path} shrank while it was being packed; stop what is changing the env and pack again.`);
  /** Buffers for whole-file reads, reused: a fresh half-megabyte per file cost more than reading it (allocation, page
   *  faults, garbage collection). AHEAD reads and what waits in the pipe fit in it, so a read always gets one. */
  const pool = new BufferPool(SMALL, AHEAD + 16);
  /** A small file read whole (into a pooled buffer when it is big enough to matter); `done` hands the buffer back. */
  async function readWhole(e: WalkEntry): Promise<{ data: Buffer; done: () => void }> {
    const pooled = e.size! > 64 * 1024;
    const buf = pooled ? await pool.take() : Buffer.allocUnsafe(e.size!);
    const done = () => pooled && pool.give(buf);
    // The callback API: a FileHandle per file cost more main-thread time than the reads it made.
    const fd = await new Promise<number>((res, rej) => fsOpen(e.abs, 'r', (err, fd) => (err ? rej(err) : res(fd)))).catch((err: unknown) => {
      done();
      throw err;
    });
    try {
      for (let n = 0; n < e.size!; ) {
        const bytesRead = await new Promise<number>((res, rej) => fsRead(fd, buf, n, e.size! - n, n, (err, r) => (err ? rej(err) : res(r))));
        if (bytesRead === 0) throw changed(e);
        n += bytesRead;
      }
      return { data: buf.subarray(0, e.size!), done };
    } catch (err) {
      done();
      throw err;
    } finally {
      fsClose(fd, () => undefined);
    }
  }
  /** Whether a whole file holds the prefix; one with a NUL in its first 8,000 bytes is binary and skipped. */
  const holdsPrefix = (whole: Buffer) => !whole.subarray(0, 8000).includes(0) && whole.indexOf(needle) >= 0;

  /**
   * Writes the tar stream into `put`. Small files are read whole, up to AHEAD entries ahead; a large file is read
   * into two reused buffers, one being read while the other is written, so no fresh memory is touched per megabyte.
   */
  async function writeTar(put: (b: Buffer) => Promise<void>): Promise<void> {
    const pair = [Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK)];
    const busy: Promise<void>[] = [Promise.resolve(), Promise.resolve()];
    let k = 0;
    let done = 0;
    let reported = 0;
    const small: Promise<void>[] = [];
    let smallBytes = 0;
    const ahead = new Map<number, Promise<{ data: Buffer; done: () => void }>>();
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      if (o.signal?.aborted) throw new AppError('CANCELLED', 'Packing was cancelled.');
      for (let j = i; j < Math.min(entries.length, i + AHEAD); j++) {
        if (!isSmall(entries[j]!) || ahead.has(j)) continue;
        const read = readWhole(entries[j]!);
        read.catch(() => undefined); // awaited in its turn; an error then stops the pack
        ahead.set(j, read);
      }
      small.push(put(entryHeader(e)));
      if (e.type !== 'file') continue;
      // Unmanaged text files (pip scripts, user files) that contain the prefix are found while streaming,
      // so the env is read once; the manifest that lists them goes at the end of the archive.
      let scan = scannable(e, managed);
      let found = false;
      if (isSmall(e)) {
        const { data: whole, done: release } = await ahead.get(i)!;
        ahead.delete(i);
        found = scan && holdsPrefix(whole);
        small.push(put(whole).then(release));
        smallBytes += whole.length;
      } else {
        let tail = Buffer.alloc(0);
        const fh = await open(e.abs, 'r');
        try {
          let n = 0;
          while (n < e.size!) {
            await busy[k];
            const buf = pair[k]!;
            const { bytesRead } = await fh.read(buf, 0, Math.min(CHUNK, e.size! - n), n);
            if (bytesRead === 0) throw changed(e);
            const part = buf.subarray(0, bytesRead);
            if (scan) {
              if (n < 8000 && part.subarray(0, 8000 - n).includes(0)) scan = false;
              else if (!found) {
                const win = tail.length ? Buffer.concat([tail, part]) : part;
                found = win.indexOf(needle) >= 0;
                tail = Buffer.from(win.subarray(Math.max(0, win.length - needle.length + 1)));
              }
            }
            busy[k] = put(part);
            k ^= 1;
            n += bytesRead;
          }
        } finally {
          await fh.close();
        }
        found = scan && found;
      }
      if (found) relocate.push({ path: e.path, mode: 'text' });
      small.push(put(Buffer.alloc(padding(e.size!))));
      done += e.size!;
      if (done - reported > 8 * 1024 * 1024 || done === total) {
        reported = done;
        o.onProgress?.(done, total);
      }
      // Whole small files wait in the pipe's queue: bound what is held there.
      if (small.length > 256 || smallBytes > 16 * 1024 * 1024) {
        await Promise.all(small.splice(0));
        smallBytes = 0;
      }
    }
    const extra: { path: string; data: Buffer; mode: number }[] = [];
    if (!entries.some((e) => e.path === 'bin/conda-unpack')) extra.push({ path: 'bin/conda-unpack', data: Buffer.from(CONDA_UNPACK_SCRIPT), mode: 0o755 });
    extra.push({ path: MANIFEST_PATH, data: Buffer.from(JSON.stringify(manifest, null, 1)), mode: 0o644 });
    small.push(put(entryHeader({ path: '.lathe-pack', type: 'dir', mode: 0o755, mtime: Date.now() / 1000 })));
    for (const x of extra) {
      small.push(put(entryHeader({ path: x.path, type: 'file', mode: x.mode, size: x.data.length, mtime: Date.now() / 1000 })), put(x.data), put(Buffer.alloc(padding(x.data.length))));
    }
    small.push(put(END_OF_ARCHIVE));
    await Promise.all([...busy, ...small]);
  }

  const partial = `${output}.partial`;
  let sha256: string;
  let archiveBytes: number;
  try {
    if (format === 'tar.zst') {
      // zstd writes the file itself (compressed bytes never cross back through a pipe), and the file is hashed
      // as it grows, while the tar stream is still being compressed, instead of in a second pass afterwards.
      // A partial file left by a pack that died must go first: the hash would read its bytes before zstd truncates it.
      await rm(partial, { force: true });
      const written = zstdToFile(writeTar, partial, o.signal);
      // Both awaited together: when the pack fails, the hash fails with it, and neither rejection goes unhandled
      // (one would stop the core).
      const [, hashed] = await Promise.all([written, hashGrowing(partial, written)]);
      ({ sha256, bytes: archiveBytes } = hashed);
    } else {
      const hash = createHash('sha256');
      let bytes = 0;
      const tap = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          hash.update(chunk);
          bytes += chunk.length;
          cb(null, chunk);
        },
      });
      const gzip = createGzip({ level: 6, chunkSize: 1 << 20 });
      const written = pipeline(gzip, tap, createWriteStream(partial, { mode: 0o644 }));
      await writeTar(writer(gzip)).finally(() => gzip.end());
      await written;
      sha256 = hash.digest('hex');
      archiveBytes = bytes;
    }
    await rename(partial, output);
  } catch (err) {
    await rm(partial, { force: true });
    if (o.signal?.aborted) throw new AppError('CANCELLED', 'Packing was cancelled; the partial archive was removed.');
    throw err;
  }
  const result: PackResult = { file: output, format, sha256, archiveBytes, manifest };
  await writeFile(`${output}.manifest.json`, JSON.stringify({ ...manifest, sha256, archiveBytes, file: basename(output) }, null, 1) + '\n');
  return result;
}

/** `put` for a writable: resolves when the chunk has been handed on, so its buffer may be reused. */
/** Fixed-size buffers handed out and back; `take` waits while all `max` are out. */
class BufferPool {
  private readonly free: Buffer[] = [];
  private readonly waiting: ((b: Buffer) => void)[] = [];
  private made = 0;

  constructor(
    private readonly size: number,
    private readonly max: number,
  ) {}

  take(): Promise<Buffer> {
    const b = this.free.pop();
    if (b) return Promise.resolve(b);
    if (this.made < this.max) {
      this.made++;
      return Promise.resolve(Buffer.allocUnsafe(this.size));
    }
    return new Promise((r) => this.waiting.push(r));
  }

  give(b: Buffer): void {
    const w = this.waiting.shift();
    if (w) w(b);
    else this.free.push(b);
  }
}

function writer(w: Writable): (b: Buffer) => Promise<void> {
  return (b) => new Promise<void>((res, rej) => w.write(b, (err) => (err ? rej(err) : res())));
}

/** The manifest of a packed env. */
function manifestOf(o: PackOptions, prefix: string, records: CondaRecord[], relocate: RelocEntry[], size: { sizeBytes: number; fileCount: number }): PackManifest {
  return {
    kind: 'lathe-env-pack',
    formatVersion: 1,
    name: o.name,
    version: o.version ?? new Date().toISOString().slice(0, 10).replace(/-/g, '.'),
    slug: slugOf(o.name),
    python: records.find((r) => r.name === 'python')?.version,
    platform: records.find((r) => r.subdir && r.subdir !== 'noarch')?.subdir ?? 'noarch',
    packages: records.map((r) => ({ name: r.name, version: r.version, build: r.build, channel: channelName(r.channel, r.url) })),
    ...size,
    createdBy: o.createdBy,
    createdAt: new Date().toISOString(),
    sourcePrefix: prefix,
    sourceHost: hostname(),
    relocate,
  };
}

/** Size and file count of a tree. */
async function treeStats(root: string): Promise<{ sizeBytes: number; fileCount: number }> {
  const entries = await walk(root, new Set()).catch(() => [] as WalkEntry[]);
  return { sizeBytes: entries.reduce((n, e) => n + (e.size ?? 0), 0), fileCount: entries.filter((e) => e.type === 'file').length };
}
