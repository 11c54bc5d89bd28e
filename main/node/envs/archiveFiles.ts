import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { AppError } from '../../common/errors';

// Reading env archives: hashing them (also while they are being written) and sniffing their format.

/**
 * sha256 of a file that another process is still writing front to back (never seeking back, as zstd writes): reads
 * what is there, waits a little when it has caught up, and reads the rest once `finished` resolves. If `finished`
 * rejects, so does this.
 */
export async function hashGrowing(file: string, finished: Promise<void>): Promise<{ sha256: string; bytes: number }> {
  const h = createHash('sha256');
  const buf = Buffer.allocUnsafe(1 << 20);
  let ended = false;
  let failed: unknown;
  finished.then(
    () => (ended = true),
    (e: unknown) => ((failed = e), (ended = true)),
  );
  let fh: FileHandle | undefined;
  let pos = 0;
  try {
    for (;;) {
      const last = ended; // after the writer ended, one more pass to the end of the file and done
      if (failed) throw failed;
      fh ??= await open(file, 'r').catch(() => undefined);
      if (fh) {
        for (;;) {
          const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
          if (!bytesRead) break;
          h.update(buf.subarray(0, bytesRead));
          pos += bytesRead;
        }
      }
      if (last) {
        if (!fh) throw new AppError('ARCHIVE_FAILED', `${file} was never written.`);
        return { sha256: h.digest('hex'), bytes: pos };
      }
      await Promise.race([finished.catch(() => undefined), new Promise((r) => setTimeout(r, 10))]);
    }
  } finally {
    await fh?.close();
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
