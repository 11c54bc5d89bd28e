import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { AppError } from '../../common/errors';

// Reading env archives: hashing them (also while they are being written) and sniffing their format.

/**
 * The hashing thread of `hashGrowing`: reads the file as it grows and hashes it, off the main thread (which is busy
 * feeding the compressor). `flag[0]` is 0 while the writer writes and 1 once it is done: then one more pass to the
 * end of the file, and the digest is posted. Plain JavaScript run with `eval` (no file of its own to bundle or find).
 */
const HASH_THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const { openSync, readSync, closeSync } = require('node:fs');
const { createHash } = require('node:crypto');
const flag = new Int32Array(workerData.flag);
const h = createHash('sha256');
const buf = Buffer.allocUnsafe(1 << 20);
let fd;
let pos = 0;
try {
  for (;;) {
    const last = Atomics.load(flag, 0) !== 0;
    if (fd === undefined) try { fd = openSync(workerData.file, 'r'); } catch {}
    if (fd !== undefined) for (let n; (n = readSync(fd, buf, 0, buf.length, pos)); pos += n) h.update(buf.subarray(0, n));
    if (last) break;
    Atomics.wait(flag, 0, 0, 10);
  }
  parentPort.postMessage(fd === undefined ? { missing: true } : { sha256: h.digest('hex'), bytes: pos });
} catch (e) {
  parentPort.postMessage({ error: String(e && e.message || e) });
} finally {
  if (fd !== undefined) closeSync(fd);
}
`;

/**
 * sha256 of a file that another process is still writing front to back (never seeking back, as zstd writes): a thread
 * of its own reads what is there, waits a little when it has caught up, and reads the rest once `finished` resolves.
 * If `finished` rejects, so does this.
 */
export async function hashGrowing(file: string, finished: Promise<void>): Promise<{ sha256: string; bytes: number }> {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const thread = new Worker(HASH_THREAD, { eval: true, workerData: { file, flag: flag.buffer } });
  const result = new Promise<{ sha256?: string; bytes?: number; missing?: boolean; error?: string }>((res, rej) => {
    thread.once('message', res);
    thread.once('error', rej);
    thread.once('exit', (code) => rej(new AppError('ARCHIVE_FAILED', `hashing ${file} stopped (exit ${code}).`)));
  });
  result.catch(() => undefined);
  const done = () => {
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
  };
  try {
    await finished.finally(done);
    const r = await result;
    if (r.error) throw new AppError('ARCHIVE_FAILED', `Cannot read ${file} to hash it: ${r.error}`);
    if (r.missing) throw new AppError('ARCHIVE_FAILED', `${file} was never written.`);
    return { sha256: r.sha256!, bytes: r.bytes! };
  } finally {
    void thread.terminate();
  }
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
