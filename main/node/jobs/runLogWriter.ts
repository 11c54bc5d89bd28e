import { closeSync, existsSync, fstatSync, openSync, readFileSync, renameSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { writevAll } from '../../base/node/writeAll';
import { Redactor } from '../../base/node/redact';

/** The writer's live state, in state.json (the shim adds its pids). */
export interface LogState {
  /** The first line number held by output.log (earlier ones were rotated out). */
  first: number;
  /** Set while the files are being rotated: readers wait, as `first` and the files do not agree until it is gone. */
  rotating?: boolean;
  /**
   * With `durable` writes: where the source stands after the last line written, per stream, and the size of the files
   * that hold exactly the lines up to there. Saved after each write, so a follower that dies can cut the files back
   * to these sizes and resume from the cursor: no line is lost or written twice.
   */
  durable?: { cursor: { o?: unknown; e?: unknown }; lines: number; logBytes: number; idxBytes: number };
  [key: string]: unknown;
}

/**
 * Writes a run's output into its folder the way readers expect it: output.log holds the job's text as
 * written (complete lines only, per stream), output.streams records where it switches between stdout
 * and stderr ({o: byte offset, s: stream} JSON lines), rotation at the size cap keeps one older pair and
 * moves `first` in state.json. Used by the job shim (processes) and the container follower (containers).
 */
export class RunLogWriter {
  private fd: number;
  private idx: number;
  private size = 0;
  /** Lines written so far. */
  lines = 0;
  private stream: 'o' | 'e' | undefined;
  private readonly pending: { s: 'o' | 'e'; parts: Buffer[]; bytes: number; count: number; cursor?: unknown }[] = [];
  private idxSize = 0;
  private pendingCount = 0;
  private flushTimer: NodeJS.Immediate | undefined;
  private closed = false;
  private readonly redactor: Redactor;

  constructor(
    private readonly runDir: string,
    private readonly capBytes: number,
    redactValues: string[],
    readonly state: LogState,
    /** Save `state.durable` after every write (the container follower resumes from it; see LogState.durable). */
    private readonly durable = false,
  ) {
    this.redactor = new Redactor(redactValues);
    const d = durable ? state.durable : undefined;
    if (d) {
      // A follower died after writing lines it had not recorded: cut them off, the source sends them again.
      for (const [f, size] of [['output.log', d.logBytes], ['output.streams', d.idxBytes]] as const) {
        const p = join(runDir, f);
        if (existsSync(p) && statSync(p).size > size) truncateSync(p, size);
      }
      this.lines = d.lines;
    }
    this.fd = openSync(join(runDir, 'output.log'), 'a');
    this.idx = openSync(join(runDir, 'output.streams'), 'a');
    this.size = fstatSync(this.fd).size;
    this.idxSize = fstatSync(this.idx).size;
    // The stream of the last line written: a switch mark is due only when the next line's stream differs.
    if (d && this.idxSize > 0) this.stream = lastStreamMark(join(runDir, 'output.streams'));
  }

  saveState(): void {
    writeFileSync(join(this.runDir, 'state.json.tmp'), JSON.stringify(this.state));
    renameSync(join(this.runDir, 'state.json.tmp'), join(this.runDir, 'state.json'));
  }

  flush(): void {
    this.flushTimer = undefined;
    if (!this.pending.length || this.closed) return;
    const batch = this.pending.splice(0);
    this.pendingCount = 0;
    const bytes = batch.reduce((n, b) => n + b.bytes, 0);
    if (this.size + bytes > this.capBytes && this.size > 0) {
      // Rotate: keep one older pair; readers learn where output.log starts from state.json, and wait while it says a
      // rotation is under way.
      this.state.rotating = true;
      this.saveState();
      closeSync(this.fd);
      closeSync(this.idx);
      renameSync(join(this.runDir, 'output.log'), join(this.runDir, 'output.1.log'));
      renameSync(join(this.runDir, 'output.streams'), join(this.runDir, 'output.1.streams'));
      this.fd = openSync(join(this.runDir, 'output.log'), 'a');
      this.idx = openSync(join(this.runDir, 'output.streams'), 'a');
      this.size = 0;
      this.idxSize = 0;
      this.stream = undefined;
      this.state.first = this.lines - batch.reduce((n, b) => n + b.count, 0);
      delete this.state.rotating;
      this.saveState();
    }
    for (const b of batch) {
      if (b.s !== this.stream) {
        this.idxSize += writeSync(this.idx, `{"o":${this.size},"s":"${b.s}"}\n`);
        this.stream = b.s;
      }
      writevAll(this.fd, b.parts);
      this.size += b.bytes;
    }
    if (this.durable) {
      const cursor = { ...(this.state.durable?.cursor ?? {}) };
      for (const b of batch) if (b.cursor !== undefined) cursor[b.s] = b.cursor;
      this.state.durable = { cursor, lines: this.flushedLines(), logBytes: this.size, idxBytes: this.idxSize };
      this.saveState();
    }
  }

  /** Lines in the files now (queued ones not counted). */
  private flushedLines(): number {
    return this.lines - this.pendingCount;
  }

  /** Queues complete lines (bytes ending in a newline) from one stream; `cursor` is where the source stands after them. */
  block(s: 'o' | 'e', data: Buffer, count: number, cursor?: unknown): void {
    if (this.closed) return; // a late chunk after close (the reader is being torn down) is not ours to write
    const last = this.pending.at(-1);
    const b = this.redactor.active ? Buffer.from(this.redactor.redact(data.toString('utf8'))) : data;
    if (last && last.s === s) {
      last.parts.push(b);
      last.bytes += b.length;
      last.count += count;
      if (cursor !== undefined) last.cursor = cursor;
    } else this.pending.push({ s, parts: [b], bytes: b.length, count, cursor });
    this.lines += count;
    this.pendingCount += count;
    // What arrived in one turn of the event loop is written together: a busy stream gets few large writes,
    // a quiet one shows each line at once (readers are woken by the write).
    if (this.pendingCount >= 65536) this.flush();
    else this.flushTimer ??= setImmediate(() => this.flush());
  }

  /** One line (without its newline). */
  line(s: 'o' | 'e', l: string, cursor?: unknown): void {
    this.block(s, Buffer.from(`${l}\n`), 1, cursor);
  }

  /**
   * A splitter for one stream: feed it raw chunks, it queues complete lines and keeps the rest. It works on
   * bytes (a newline byte never sits inside a UTF-8 character, so a character split across chunks stays whole)
   * and only decodes when a chunk has a carriage return to normalise or secrets to redact.
   */
  splitter(s: 'o' | 'e'): { data(d: Buffer | string): void; end(): void } {
    let rest: Buffer | undefined;
    return {
      data: (d) => {
        let buf = typeof d === 'string' ? Buffer.from(d) : d;
        if (rest) buf = Buffer.concat([rest, buf]);
        rest = undefined;
        const cut = buf.lastIndexOf(10);
        if (cut < 0) rest = buf;
        else {
          let whole = buf.subarray(0, cut + 1);
          let count = 0;
          for (let i = whole.indexOf(10); i >= 0; i = whole.indexOf(10, i + 1)) count++;
          if (whole.includes(13)) whole = Buffer.from(whole.toString('utf8').replace(/\r\n/g, '\n'));
          this.block(s, whole, count);
          if (cut + 1 < buf.length) rest = Buffer.from(buf.subarray(cut + 1)); // a copy: the pipe's chunk is not kept alive
        }
        // A line without a newline for 64 KiB is still a line (progress bars, binary noise). With secrets to blank,
        // the held text is blanked first and its last (longest secret form - 1) bytes stay held, so a secret that
        // straddles the cut is still whole when the next chunk completes it.
        if (rest && rest.length > 65536) {
          if (!this.redactor.active) {
            this.block(s, Buffer.concat([rest, NEWLINE]), 1);
            rest = undefined;
          } else {
            const clean = Buffer.from(this.redactor.redact(rest.toString('utf8')));
            let cut = clean.length - (this.redactor.longest - 1);
            while (cut > 0 && (clean[cut]! & 0xc0) === 0x80) cut--; // not inside a UTF-8 character
            this.block(s, Buffer.concat([clean.subarray(0, cut), NEWLINE]), 1);
            rest = Buffer.from(clean.subarray(cut));
          }
        }
      },
      end: () => {
        if (rest?.length) this.block(s, Buffer.concat([rest, NEWLINE]), 1);
        rest = undefined;
      },
    };
  }

  close(): void {
    if (this.closed) return;
    if (this.flushTimer) clearImmediate(this.flushTimer);
    this.flush();
    this.closed = true;
    closeSync(this.fd);
    closeSync(this.idx);
  }
}

const NEWLINE = Buffer.from('\n');

/** The stream of the last switch mark in an output.streams file. */
function lastStreamMark(file: string): 'o' | 'e' | undefined {
  const last = readFileSync(file, 'utf8').trimEnd().split('\n').at(-1);
  try {
    return last ? (JSON.parse(last) as { s: 'o' | 'e' }).s : undefined;
  } catch {
    return undefined;
  }
}
