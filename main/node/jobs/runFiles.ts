import { open, readFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Event } from '../../common/event';
import { skipLines, type LogChunk } from '../../common/jobs';
import type { ExitFile, ShimState } from './jobShim';
import type { MetricRecord } from './jobStore';


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

/** Counts newline bytes. */
function newlines(buf: Buffer, end = buf.length): number {
  let n = 0;
  for (let i = buf.indexOf(10); i >= 0 && i < end; i = buf.indexOf(10, i + 1)) n++;
  return n;
}

/** A piece of a log file: complete lines with where they switch streams. */
export interface LogPiece {
  text: string;
  count: number;
  streams: [number, 'o' | 'e'][];
}

/**
 * Reads a log file (raw text) and its `.streams` index (JSON lines {o, s} at each stdout/stderr switch)
 * from a byte offset, a piece of complete lines at a time. No object is made per line.
 */
export class LogReader {
  private entries: { o: number; s: 'o' | 'e' }[] = [];
  private readonly idx: FileTail;
  /** The log, kept open between reads (a follower reads it hundreds of times a second while a job is busy). */
  private fh: FileHandle | undefined;
  /** Whether the last `next()` read all the file held (a follower then has nothing more until it grows). */
  atEnd = false;
  /** Opened by `open()`: never opened again by name. */
  private pinned = false;

  constructor(
    private readonly logFile: string,
    idxFile: string,
    public offset = 0,
  ) {
    this.idx = new FileTail(idxFile, 0, true);
  }

  /**
   * The next piece of complete lines. The log's size is taken before the index is read: a writer records a stream
   * switch in the index before the text it precedes, so every switch inside that size is then known (reading the
   * index first let text written in between come without its switch, labelled with the previous stream).
   */
  /** Opens the log and its index now and holds them (see `openSegments`); a missing file stays missing. */
  async open(): Promise<void> {
    this.pinned = true;
    this.fh ??= await open(this.logFile, 'r').catch(() => undefined);
    await this.idx.open();
  }

  /** Whether the log file was there when opened (or first read). */
  get exists(): boolean {
    return this.fh !== undefined;
  }

  /** The lines the log holds now. */
  async lineCount(): Promise<number> {
    this.fh ??= this.pinned ? undefined : await open(this.logFile, 'r').catch(() => undefined);
    if (!this.fh) return 0;
    const buf = Buffer.allocUnsafe(8 * 1024 * 1024);
    let count = 0;
    for (let pos = 0; ; ) {
      const { bytesRead } = await this.fh.read(buf, 0, buf.length, pos);
      if (!bytesRead) return count;
      count += newlines(buf, bytesRead);
      pos += bytesRead;
    }
  }

  async next(maxBytes = 4 * 1024 * 1024): Promise<LogPiece | undefined> {
    this.atEnd = true;
    this.fh ??= this.pinned ? undefined : await open(this.logFile, 'r').catch(() => undefined);
    const fh = this.fh;
    if (!fh) return undefined;
    const { size } = await fh.stat();
    if (size <= this.offset) return undefined;
    for (;;) {
      const { lines } = await this.idx.read();
      if (!lines.length) break;
      for (const l of lines) {
        try {
          this.entries.push(JSON.parse(l) as { o: number; s: 'o' | 'e' });
        } catch {
          // a torn index line: the stream of a few lines may show as the previous one
        }
      }
    }
    this.atEnd = size - this.offset <= maxBytes;
    let buf = Buffer.allocUnsafe(Math.min(size - this.offset, maxBytes));
    const { bytesRead } = await fh.read(buf, 0, buf.length, this.offset);
    buf = buf.subarray(0, bytesRead);
    const cut = buf.lastIndexOf(10);
    if (cut < 0) return undefined;
    const chunk = buf.subarray(0, cut + 1);
    const start = this.offset;
    let current: 'o' | 'e' = 'o';
    const streams: [number, 'o' | 'e'][] = [];
    for (const e of this.entries) {
      if (e.o <= start) current = e.s;
      else if (e.o < start + chunk.length) streams.push([newlines(chunk, e.o - start), e.s]);
    }
    this.offset += chunk.length;
    return { text: chunk.toString('utf8'), count: newlines(chunk), streams: [[0, current], ...streams] };
  }

  async close(): Promise<void> {
    const fh = this.fh;
    this.fh = undefined;
    await Promise.all([fh?.close(), this.idx.close()]);
  }
}

/** The log files of a run, oldest first: [log, index] pairs. */
function logFiles(runDir: string): [[string, string], [string, string]] {
  return [
    [join(runDir, 'output.1.log'), join(runDir, 'output.1.streams')],
    [join(runDir, 'output.log'), join(runDir, 'output.streams')],
  ];
}

/** A run's two log segments, held open, with the line number each starts at. */
export interface LogSegments {
  older: LogReader;
  olderFirst: number;
  current: LogReader;
  first: number;
}

/**
 * Opens output.1.log and output.log as they are at one moment: state.json says the same `first`, and no rotation
 * under way, before and after both are opened (a rotation marks itself before it renames and moves `first` after),
 * so the two files and the line numbers agree however the writer rotates meanwhile. Readers hold the files open.
 * Undefined before the writer has made output.log.
 */
export async function openSegments(runDir: string): Promise<LogSegments | undefined> {
  const [[l1, i1], [l0, i0]] = logFiles(runDir);
  for (let tries = 0; ; tries++) {
    const before = await readState(runDir);
    if (!before?.rotating) {
      const older = new LogReader(l1!, i1!, 0);
      const current = new LogReader(l0!, i0!, 0);
      await Promise.all([older.open(), current.open()]);
      const after = await readState(runDir);
      if (!after?.rotating && (after?.first ?? 0) === (before?.first ?? 0)) {
        if (!current.exists) {
          // The writer has not started yet (outside a rotation, output.log is always there once it has).
          await Promise.all([older.close(), current.close()]);
          return undefined;
        }
        const first = before?.first ?? 0;
        return { older, olderFirst: first - (await older.lineCount()), current, first };
      }
      await Promise.all([older.close(), current.close()]);
    }
    if (tries >= 400) throw new Error(`the log files in ${runDir} kept being rotated while they were opened`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * Stored log lines from line `from` (0-based across rotations): output.1.log holds the lines before
 * state.first, output.log the rest. Each file is read once, front to back, in pieces of a few MiB, so
 * replaying a million-line log costs one pass. Lines rotated out of both are gone.
 */
export async function* logBatches(runDir: string, runId: string, from: number): AsyncGenerator<LogChunk> {
  const seg = await openSegments(runDir);
  if (!seg) return;
  let n = seg.olderFirst;
  try {
    for (const reader of [seg.older, seg.current]) {
      for (;;) {
        const piece = await reader.next();
        if (!piece) break;
        const chunk: LogChunk = { runId, n, ...piece };
        n += piece.count;
        if (n <= from) continue;
        yield skipLines(chunk, from - chunk.n);
      }
    }
  } finally {
    await Promise.all([seg.older.close(), seg.current.close()]);
  }
}

/** Up to about `limit` stored lines from line `from`, as one chunk. */
export async function readLogLines(runDir: string, runId: string, from: number, limit: number): Promise<LogChunk> {
  const parts: LogChunk[] = [];
  let count = 0;
  for await (const c of logBatches(runDir, runId, from)) {
    parts.push(c);
    count += c.count;
    if (count >= limit) break;
  }
  if (!parts.length) return { runId, n: from, text: '', count: 0, streams: [] };
  let text = '';
  let total = 0;
  const streams: [number, 'o' | 'e'][] = [];
  for (const p of parts) {
    for (const [i, s] of p.streams) if (streams.at(-1)?.[1] !== s) streams.push([total + i, s]);
    text += p.text;
    total += p.count;
  }
  const merged: LogChunk = { runId, n: parts[0]!.n, text, count: total, streams };
  return total > limit ? { ...merged, ...trimTo(merged, limit) } : merged;
}

function trimTo(c: LogChunk, limit: number): Pick<LogChunk, 'text' | 'count' | 'streams'> {
  let at = 0;
  for (let i = 0; i < limit; i++) at = c.text.indexOf('\n', at) + 1;
  return { text: c.text.slice(0, at), count: limit, streams: c.streams.filter(([i]) => i < limit) };
}

/**
 * Follows a file that another process appends to: each `read()` returns the complete lines added since
 * the last one (a partial last line waits for its newline).
 */
export class FileTail {
  private carry = Buffer.alloc(0);
  private fh: FileHandle | undefined;
  /** Opened by `open()`: never opened again by name. */
  private pinned = false;

  /** `keepOpen`: hold the file open between reads (for files that are appended to, never replaced). */
  constructor(
    private readonly file: string,
    public offset = 0,
    private readonly keepOpen = false,
  ) {}

  /** Opens the file now and holds it: later reads read this very file, whatever is renamed over its name. */
  async open(): Promise<void> {
    this.pinned = true;
    this.fh ??= await open(this.file, 'r').catch(() => undefined);
  }

  async read(maxBytes = 8 * 1024 * 1024): Promise<{ lines: string[]; offset: number }> {
    const fh = this.fh ?? (this.pinned ? undefined : await open(this.file, 'r').catch(() => undefined));
    if (!fh) return { lines: [], offset: this.offset };
    if (this.keepOpen) this.fh = fh;
    try {
      const { size } = await fh.stat();
      if (size < this.offset) {
        // Rotated or truncated underneath us: start the new file from its beginning.
        this.offset = 0;
        this.carry = Buffer.alloc(0);
      }
      if (size === this.offset) return { lines: [], offset: this.offset };
      const len = Math.min(size - this.offset, maxBytes);
      const buf = Buffer.alloc(len);
      const { bytesRead } = await fh.read(buf, 0, len, this.offset);
      this.offset += bytesRead;
      // The partial last line is kept as bytes: a capped read can end inside a multibyte character, and decoding
      // it then would turn both of its halves into U+FFFD. A newline byte never sits inside a UTF-8 character.
      const data = this.carry.length ? Buffer.concat([this.carry, buf.subarray(0, bytesRead)]) : buf.subarray(0, bytesRead);
      const cut = data.lastIndexOf(10);
      this.carry = Buffer.from(data.subarray(cut + 1));
      if (cut < 0) return { lines: [], offset: this.offset - this.carry.length };
      return { lines: data.toString('utf8', 0, cut).split('\n'), offset: this.offset - this.carry.length };
    } finally {
      if (!this.keepOpen) await fh.close();
    }
  }

  async close(): Promise<void> {
    const fh = this.fh;
    this.fh = undefined;
    await fh?.close();
  }
}

/** A column of a batch record: little-endian float64 in base64; undefined when it is not one. */
function float64s(b64: unknown): Float64Array | undefined {
  if (typeof b64 !== 'string') return undefined;
  const buf = Buffer.from(b64, 'base64');
  if (buf.length % 8) return undefined;
  const out = new Float64Array(buf.length / 8);
  for (let i = 0; i < out.length; i++) out[i] = buf.readDoubleLE(i * 8);
  return out;
}

/** A parsed record checked (and a batch decoded), or undefined when it is malformed. */
function checked(r: Record<string, unknown>): MetricRecord | undefined {
  if (r.k === 'b') {
    const [v, s, t] = [float64s(r.v), float64s(r.s), float64s(r.t)];
    if (typeof r.n !== 'string' || !v || !s || !t || s.length !== v.length || t.length !== v.length) return undefined;
    if (v.every(Number.isFinite) && s.every(Number.isFinite)) return { k: 'b', n: r.n, v, s, t };
    // Keep the points that are numbers (the client drops the others before writing; a hand-written file may not).
    const keep = [...v.keys()].filter((i) => Number.isFinite(v[i]) && Number.isFinite(s[i]));
    return { k: 'b', n: r.n, v: Float64Array.from(keep, (i) => v[i]!), s: Float64Array.from(keep, (i) => s[i]!), t: Float64Array.from(keep, (i) => t[i]!) };
  }
  if (r.k === 'm') return typeof r.n === 'string' && Number.isFinite(r.v) && Number.isFinite(r.s) ? (r as MetricRecord) : undefined;
  if (r.k === 'p' || r.k === 'g') return r.d && typeof r.d === 'object' ? (r as MetricRecord) : undefined;
  if (r.k === 'a') return typeof r.p === 'string' ? (r as MetricRecord) : undefined;
  return undefined;
}

/** Parses metric-file lines; a malformed line or record is skipped (a job killed mid-write leaves half a line). */
export function parseMetricLines(lines: string[]): MetricRecord[] {
  let parsed: Record<string, unknown>[] | undefined;
  try {
    // One native parse for the batch; a torn line sends us to the line-by-line path below.
    parsed = JSON.parse(`[${lines.filter(Boolean).join(',')}]`) as Record<string, unknown>[];
  } catch {
    parsed = undefined;
  }
  if (!parsed) {
    parsed = [];
    for (const l of lines) {
      try {
        parsed.push(JSON.parse(l) as Record<string, unknown>);
      } catch {
        // skipped
      }
    }
  }
  const out: MetricRecord[] = [];
  for (const r of parsed) {
    const c = r && typeof r === 'object' ? checked(r) : undefined;
    if (c) out.push(c);
  }
  return out;
}


/**
 * A log subscription: the stored lines from `from` first, in one pass over the files, then the live
 * chunks, which are held back during the replay and trimmed so no line comes twice.
 */
export function replayThenFollow(live: Event<LogChunk>, runDir: string, runId: string, from: number, ended: () => boolean, warn: (m: string) => void): Event<LogChunk> {
  return (listener) => {
    const held: LogChunk[] = [];
    let replaying = true;
    let next = from;
    const deliver = (c: LogChunk) => {
      if (c.n + c.count <= next && !c.end) return;
      const part = skipLines(c, next - c.n);
      next = part.n + part.count;
      if (part.count || part.end) listener(part);
    };
    const sub = live((c) => (replaying ? held.push(c) : deliver(c)));
    void (async () => {
      try {
        for await (const b of logBatches(runDir, runId, next)) deliver(b);
      } catch (err) {
        warn(`run ${runId}: cannot replay its log: ${(err as Error).message}`);
      }
      if (ended() && !held.some((c) => c.end)) listener({ runId, n: next, text: '', count: 0, streams: [], end: true });
      replaying = false;
      for (const c of held.splice(0)) deliver(c);
    })();
    return sub;
  };
}
