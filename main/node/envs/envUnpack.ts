import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createReadStream, readFileSync } from 'node:fs';
import { lstat, mkdir, open, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { AppError, isAppError } from '../../common/errors';
import type { PackManifest, UnpackResult } from '../../common/envs';
import { MANIFEST_PATH } from './condaUnpackScript';
import { magic } from './archiveFiles';
import { fixShebang, relocateFile } from './relocate';
import { extractTar, unsafeEntry } from '../../base/node/tarExtract';

/** Options for unpacking. */
export interface UnpackOptions {
  archive: string;
  dest: string;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
  /**
   * Whether an archive without Lathe's manifest may be relocated by running its own bin/conda-unpack with its own
   * bin/python. That is code from the archive: only when the user was shown the command and agreed.
   */
  runArchiveScript?: boolean | (() => Promise<boolean>);
}

/**
 * Unpacks an env archive into `dest` (absolute; missing or empty) and relocates it there. Every entry is
 * checked before it is written (extractTar): absolute paths, "..", links that resolve outside the env and
 * device files are refused, and a refused archive leaves nothing behind. Lathe's manifest drives relocation (data
 * only: nothing from the archive runs); a conda-pack archive without one is relocated by its own bin/conda-unpack,
 * only with `runArchiveScript`, and is otherwise refused with the command it would run.
 */
export async function unpackEnv(o: UnpackOptions): Promise<UnpackResult> {
  const archive = resolve(o.archive);
  if (!isAbsolute(o.dest)) throw new AppError('INVALID_ARGUMENT', `The destination "${o.dest}" must be an absolute path.`);
  const dest = resolve(o.dest);
  const st = await stat(archive).catch(() => undefined);
  if (!st?.isFile()) throw new AppError('NOT_FOUND', `${archive} does not exist or is not a file.`);
  const existing = await readdir(dest).catch(() => undefined);
  if (existing && existing.length) throw new AppError('ENV_EXISTS', `${dest} exists and is not empty; unpack into a new folder.`);
  const m = await magic(archive);
  const gz = m[0] === 0x1f && m[1] === 0x8b;
  const zst = m.readUInt32LE(0) === 0xfd2fb528;
  if (!gz && !zst) throw new AppError('ARCHIVE_INVALID', `${archive} is neither a .tar.gz nor a .tar.zst archive (its first bytes say otherwise).`);
  await mkdir(dest, { recursive: true });
  const cleanup = () => rm(dest, { recursive: true, force: true });

  let source: Readable;
  let feeding: Promise<void> = Promise.resolve();
  let progressTimer: NodeJS.Timeout | undefined;
  if (zst) {
    // zstd reads the archive itself (its stdin is the file): compressed bytes never pass through this process.
    // Progress is how far it has read, from the shared file offset (Linux /proc; elsewhere only the end is reported).
    const fh = await open(archive, 'r');
    const child = spawn('zstd', ['-d', '-q', '-c'], { stdio: [fh.fd, 'pipe', 'pipe'] });
    await fh.close(); // the child holds its own copy
    source = childOutput(child, 'unpack');
    const fdinfo = `/proc/${child.pid}/fdinfo/0`;
    progressTimer = setInterval(() => {
      const pos = /^pos:\s*(\d+)/m.exec(readFileSafe(fdinfo))?.[1];
      if (pos) o.onProgress?.(Number(pos), st.size);
    }, 250);
  } else {
    let done = 0;
    let reported = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _e, cb) {
        done += chunk.length;
        if (done - reported > 8 * 1024 * 1024) {
          reported = done;
          o.onProgress?.(done, st.size);
        }
        cb(null, chunk);
      },
    });
    const gunzip = createGunzip({ chunkSize: 256 * 1024 });
    source = gunzip;
    feeding = pipeline(createReadStream(archive, { highWaterMark: 1 << 20 }), counter, gunzip).catch((e: unknown) => {
      gunzip.destroy(e as Error);
    });
  }
  try {
    await extractTar(source, dest, o.signal);
    await feeding;
  } catch (err) {
    await cleanup();
    if (o.signal?.aborted) throw new AppError('CANCELLED', 'Unpacking was cancelled; the partial env was removed.');
    if (isAppError(err, 'ARCHIVE_UNSAFE')) throw new AppError('ARCHIVE_UNSAFE', `Refused ${archive}: ${err.message}. Nothing was written outside ${dest}, and the partial env was removed.`);
    if (isAppError(err)) throw err;
    throw new AppError('ARCHIVE_INVALID', `${archive} could not be read: ${(err as Error).message}. It may be truncated or corrupt; pack or download it again.`);
  } finally {
    clearInterval(progressTimer);
  }
  o.onProgress?.(st.size, st.size);

  try {
    const manifestText = await readFile(join(dest, MANIFEST_PATH), 'utf8').catch(() => undefined);
    if (manifestText) {
      const manifest = readManifest(manifestText, archive);
      return { prefix: dest, manifest, method: 'lathe', relocatedFiles: await relocate(dest, manifest) };
    }
    if (await lstat(join(dest, 'bin', 'conda-unpack')).catch(() => undefined)) {
      if (!(typeof o.runArchiveScript === 'function' ? await o.runArchiveScript() : o.runArchiveScript)) {
        throw new AppError(
          'UNPACK_NEEDS_CONSENT',
          `${archive} has no Lathe manifest, so only its own relocation script can fix its paths: that would run \`${pythonOf(dest)} ${join(dest, 'bin', 'conda-unpack')}\`, code from the archive. Nothing was run and nothing was kept. If you trust where the archive came from, unpack it again allowing that (\`lathe env unpack --run-conda-unpack\`); otherwise re-pack the env with Lathe.`,
        );
      }
      await runCondaUnpack(dest);
      return { prefix: dest, method: 'conda-unpack', relocatedFiles: 0 };
    }
    return { prefix: dest, method: 'none', relocatedFiles: 0 };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/**
 * A child's stdout as a stream that fails when the child does (non-zero exit, or not installed), so a damaged
 * archive is never taken for a short one; destroying it stops the child.
 */
function childOutput(child: ChildProcess, what: string): Readable {
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
  const exited = new Promise<number | string | null>((res, rej) => {
    child.on('error', (e: NodeJS.ErrnoException) => rej(e.code === 'ENOENT' ? new AppError('ZSTD_MISSING', `Cannot ${what} .tar.zst: the zstd tool is not installed. Install it (apt install zstd, brew install zstd) or use .tar.gz.`) : e));
    child.on('close', (code, sig) => res(code ?? sig));
  });
  exited.catch(() => undefined);
  async function* chunks(): AsyncGenerator<Buffer> {
    try {
      for await (const c of child.stdout! as AsyncIterable<Buffer>) yield c;
      const code = await exited;
      if (code !== 0) throw new Error(`zstd exited with ${code}: ${err.trim() || 'no message'}`);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    }
  }
  return Readable.from(chunks(), { objectMode: false });
}

/** The archive's Lathe manifest, checked for what relocation reads; a broken one refuses the archive. */
function readManifest(text: string, archive: string): PackManifest {
  const refuse = (why: string) => new AppError('ARCHIVE_INVALID', `${archive} has a ${MANIFEST_PATH} that ${why}, so it cannot be relocated. Pack the env again with Lathe, or remove that file from the archive to unpack it as a plain conda-pack archive.`);
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    throw refuse('is not valid JSON');
  }
  const o = (typeof m === 'object' && m !== null ? m : {}) as Record<string, unknown>;
  if (typeof o.sourcePrefix !== 'string' || !isAbsolute(o.sourcePrefix)) throw refuse('has no absolute "sourcePrefix"');
  if (!Array.isArray(o.relocate) || !o.relocate.every((r) => typeof r === 'object' && r !== null && typeof (r as Record<string, unknown>).path === 'string' && ['text', 'binary'].includes((r as Record<string, unknown>).mode as string))) {
    throw refuse('has no "relocate" list of {path, mode: text|binary}');
  }
  return m as PackManifest;
}

function readFileSafe(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** Rewrites the manifest's files and bin/ shebangs from the packed prefix to `dest`. */
async function relocate(dest: string, manifest: PackManifest): Promise<number> {
  const from = manifest.sourcePrefix;
  if (from === dest) return 0;
  // Check the one thing that can make relocation impossible before touching any file.
  const binaries = manifest.relocate.filter((r) => r.mode === 'binary');
  if (binaries.length && Buffer.byteLength(dest) > Buffer.byteLength(from)) {
    throw new AppError('PREFIX_TOO_LONG', `${binaries.length} binary file(s) (e.g. ${binaries[0]!.path}) have the packed prefix ${from} (${Buffer.byteLength(from)} characters) compiled in; ${dest} is longer (${Buffer.byteLength(dest)}). Unpack to a path of at most ${Buffer.byteLength(from)} characters.`);
  }
  let n = 0;
  for (const r of manifest.relocate) {
    if (unsafeEntry(r.path, 'file', undefined)) continue;
    const file = join(dest, ...r.path.split('/'));
    const s = await lstat(file).catch(() => undefined);
    if (!s?.isFile()) continue; // a symlink in the list is never followed
    if (await relocateFile(file, r, from, dest)) n++;
  }
  for (const name of await readdir(join(dest, 'bin')).catch(() => [] as string[])) {
    const file = join(dest, 'bin', name);
    const s = await lstat(file);
    if (!s.isFile() || s.size > 64 * 1024 * 1024) continue;
    const data = await readFile(file);
    const fixed = fixShebang(data, from, dest);
    if (fixed) {
      await writeFile(file, fixed);
      n++;
    }
  }
  return n;
}

/** Runs a conda-pack archive's own relocation script with the env's python. */
function runCondaUnpack(dest: string): Promise<void> {
  return new Promise((res, rej) => {
    execFile(pythonOf(dest), [join(dest, 'bin', 'conda-unpack')], { timeout: 600_000, cwd: dest }, (err, _o, stderr) => {
      if (err) rej(new AppError('UNPACK_FAILED', `bin/conda-unpack failed in ${dest}: ${(stderr || err.message).trim().split('\n').slice(-3).join(' ')}`));
      else res();
    });
  });
}

function pythonOf(prefix: string): string {
  return process.platform === 'win32' ? join(prefix, 'python.exe') : join(prefix, 'bin', 'python');
}
