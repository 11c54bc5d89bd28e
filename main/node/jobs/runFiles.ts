import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LogChunk } from '../../common/jobs';
import type { ExitFile, ShimState } from './jobShim';
import type { MetricRecord } from './jobStore';

type Line = LogChunk['lines'][number];

/** The shim's state (where output.log starts), or defaults before it wrote one. */
export async function readState(runDir: string): Promise<ShimState | undefined> {
  try {
    return JSON.parse(await readFile(join(runDir, 'state.json'), 'utf8')) as ShimState;
  } catch {
    return undefined;
  }
}

/** How the run ended, once the shim has written it. */
export async function readExit(runDir: string): Promise<ExitFile | undefined> {
  try {
    return JSON.parse(await readFile(join(runDir, 'exit.json'), 'utf8')) as ExitFile;
  } catch {
    return undefined;
  }
}

function parseLines(text: string): Line[] {
  const rows = text.split('\n').filter(Boolean);
  try {
    // One native parse for the whole batch is several times faster than one per line.
    return JSON.parse(`[${rows.join(',')}]`) as Line[];
  } catch {
    // A damaged line somewhere: parse one by one and keep the rest.
  }
  const out: Line[] = [];
  for (const raw of rows) {
    if (!raw) continue;
    try {
      out.push(JSON.parse(raw) as Line);
    } catch {
      out.push({ s: 'e', t: 0, l: raw });
    }
  }
  return out;
}

/**
 * Stored log lines from line `from` (0-based across rotations), in batches of at most `batch` lines:
 * output.1.log holds the lines before state.first, output.log the rest. Each file is read once, front to
 * back, so replaying a million-line log costs one pass. Lines rotated out of both are gone; numbering then
 * starts at the oldest line still stored.
 */
export async function* logBatches(runDir: string, from: number, batch = 20_000): AsyncGenerator<{ n: number; lines: Line[] }> {
  const first = (await readState(runDir))?.first ?? 0;
  const older = join(runDir, 'output.1.log');
  const olderLines = await countLines(older);
  let n = first - olderLines;
  for (const file of [older, join(runDir, 'output.log')]) {
    const tail = new FileTail(file, 0);
    for (;;) {
      const { lines } = await tail.read(4 * 1024 * 1024);
      if (!lines.length) break;
      const start = n;
      n += lines.length;
      if (n <= from) continue;
      const wanted = lines.slice(Math.max(0, from - start));
      const firstN = Math.max(from, start);
      for (let i = 0; i < wanted.length; i += batch) yield { n: firstN + i, lines: parseLines(wanted.slice(i, i + batch).join('\n')) };
    }
  }
}

async function countLines(file: string): Promise<number> {
  let count = 0;
  const tail = new FileTail(file, 0);
  for (;;) {
    const { lines } = await tail.read(8 * 1024 * 1024);
    if (!lines.length) return count;
    count += lines.length;
  }
}

/** Up to `limit` stored lines from line `from`. */
export async function readLogLines(runDir: string, from: number, limit: number): Promise<{ n: number; lines: Line[] }> {
  let n: number | undefined;
  const lines: Line[] = [];
  for await (const b of logBatches(runDir, from, Math.min(limit, 20_000))) {
    n ??= b.n;
    lines.push(...b.lines.slice(0, limit - lines.length));
    if (lines.length >= limit) break;
  }
  return { n: n ?? from, lines };
}

/**
 * Follows a file that another process appends to: each `read()` returns the complete lines added since
 * the last one (a partial last line waits for its newline).
 */
export class FileTail {
  private carry = '';

  constructor(
    private readonly file: string,
    public offset = 0,
  ) {}

  async read(maxBytes = 8 * 1024 * 1024): Promise<{ lines: string[]; offset: number }> {
    const fh = await open(this.file, 'r').catch(() => undefined);
    if (!fh) return { lines: [], offset: this.offset };
    try {
      const { size } = await fh.stat();
      if (size < this.offset) {
        // Rotated or truncated underneath us: start the new file from its beginning.
        this.offset = 0;
        this.carry = '';
      }
      if (size === this.offset) return { lines: [], offset: this.offset };
      const len = Math.min(size - this.offset, maxBytes);
      const buf = Buffer.alloc(len);
      const { bytesRead } = await fh.read(buf, 0, len, this.offset);
      const text = this.carry + buf.subarray(0, bytesRead).toString('utf8');
      const cut = text.lastIndexOf('\n');
      if (cut < 0) {
        this.carry = text;
        this.offset += bytesRead;
        return { lines: [], offset: this.offset - Buffer.byteLength(this.carry) };
      }
      this.carry = text.slice(cut + 1);
      this.offset += bytesRead;
      return { lines: text.slice(0, cut).split('\n'), offset: this.offset - Buffer.byteLength(this.carry) };
    } finally {
      await fh.close();
    }
  }
}

/** Parses metric-file lines; a malformed line is skipped (a job killed mid-write leaves half a line). */
export function parseMetricLines(lines: string[]): MetricRecord[] {
  const out: MetricRecord[] = [];
  for (const l of lines) {
    try {
      const r = JSON.parse(l) as MetricRecord;
      if (r.k === 'm' && typeof r.n === 'string' && Number.isFinite(r.v) && Number.isFinite(r.s)) out.push(r);
      else if ((r.k === 'p' || r.k === 'g') && r.d && typeof r.d === 'object') out.push(r);
      else if (r.k === 'a' && typeof r.p === 'string') out.push(r);
    } catch {
      // skipped
    }
  }
  return out;
}

export { parseLines };
