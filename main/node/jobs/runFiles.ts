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
  const out: Line[] = [];
  for (const raw of text.split('\n')) {
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
 * Stored log lines from line `from` (0-based across rotations): output.1.log holds the lines before
 * state.first, output.log the rest. Lines rotated out of both are gone; the chunk then starts later.
 */
export async function readLogLines(runDir: string, from: number, limit: number): Promise<{ n: number; lines: Line[] }> {
  const first = (await readState(runDir))?.first ?? 0;
  const older = parseLines(await readFile(join(runDir, 'output.1.log'), 'utf8').catch(() => ''));
  const olderStart = first - older.length;
  const current = parseLines(await readFile(join(runDir, 'output.log'), 'utf8').catch(() => ''));
  const all = [...older, ...current];
  const start = Math.max(from, olderStart);
  return { n: start, lines: all.slice(start - olderStart, start - olderStart + limit) };
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
