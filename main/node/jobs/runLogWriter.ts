import { closeSync, openSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** The writer's live state, in state.json (the shim adds its pids). */
export interface LogState {
  /** The first line number held by output.log (earlier ones were rotated out). */
  first: number;
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
  private readonly pending: { s: 'o' | 'e'; text: string; count: number }[] = [];
  private pendingCount = 0;
  private flushTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly runDir: string,
    private readonly capBytes: number,
    private readonly redactValues: string[],
    readonly state: LogState,
  ) {
    this.fd = openSync(join(runDir, 'output.log'), 'a');
    this.idx = openSync(join(runDir, 'output.streams'), 'a');
  }

  saveState(): void {
    writeFileSync(join(this.runDir, 'state.json.tmp'), JSON.stringify(this.state));
    renameSync(join(this.runDir, 'state.json.tmp'), join(this.runDir, 'state.json'));
  }

  private redact(s: string): string {
    return this.redactValues.reduce((acc, v) => (v.length >= 4 ? acc.split(v).join('***') : acc), s);
  }

  flush(): void {
    this.flushTimer = undefined;
    if (!this.pending.length || this.closed) return;
    const batch = this.pending.splice(0);
    this.pendingCount = 0;
    const bytes = batch.reduce((n, b) => n + Buffer.byteLength(b.text), 0);
    if (this.size + bytes > this.capBytes && this.size > 0) {
      // Rotate: keep one older pair; readers learn where output.log starts from state.json.
      closeSync(this.fd);
      closeSync(this.idx);
      renameSync(join(this.runDir, 'output.log'), join(this.runDir, 'output.1.log'));
      renameSync(join(this.runDir, 'output.streams'), join(this.runDir, 'output.1.streams'));
      this.fd = openSync(join(this.runDir, 'output.log'), 'a');
      this.idx = openSync(join(this.runDir, 'output.streams'), 'a');
      this.size = 0;
      this.stream = undefined;
      this.state.first = this.lines - batch.reduce((n, b) => n + b.count, 0);
      this.saveState();
    }
    for (const b of batch) {
      if (b.s !== this.stream) {
        writeSync(this.idx, `{"o":${this.size},"s":"${b.s}"}\n`);
        this.stream = b.s;
      }
      writeSync(this.fd, b.text);
      this.size += Buffer.byteLength(b.text);
    }
  }

  /** Queues complete lines (text ending in a newline) from one stream. */
  block(s: 'o' | 'e', text: string, count: number): void {
    if (this.closed) return; // a late chunk after close (the reader is being torn down) is not ours to write
    const last = this.pending.at(-1);
    const t = this.redactValues.length ? this.redact(text) : text;
    if (last && last.s === s) {
      last.text += t;
      last.count += count;
    } else this.pending.push({ s, text: t, count });
    this.lines += count;
    this.pendingCount += count;
    if (this.pendingCount >= 65536) this.flush();
    else this.flushTimer ??= setTimeout(() => this.flush(), 20);
  }

  /** One line (without its newline). */
  line(s: 'o' | 'e', l: string): void {
    this.block(s, `${l}\n`, 1);
  }

  /** A splitter for one stream: feed it raw chunks, it queues complete lines and keeps the rest. */
  splitter(s: 'o' | 'e'): { data(d: Buffer | string): void; end(): void } {
    let rest = '';
    return {
      data: (d) => {
        const text = rest + (typeof d === 'string' ? d : d.toString('utf8'));
        const cut = text.lastIndexOf('\n');
        if (cut < 0) rest = text;
        else {
          let count = 0;
          for (let i = text.indexOf('\n'); i >= 0 && i <= cut; i = text.indexOf('\n', i + 1)) count++;
          this.block(s, text.slice(0, cut + 1).replace(/\r\n/g, '\n'), count);
          rest = text.slice(cut + 1);
        }
        // A line without a newline for 64 KiB is still a line (progress bars, binary noise).
        if (rest.length > 65536) {
          this.line(s, rest);
          rest = '';
        }
      },
      end: () => {
        if (rest) this.line(s, rest);
        rest = '';
      },
    };
  }

  close(): void {
    if (this.closed) return;
    clearTimeout(this.flushTimer);
    this.flush();
    this.closed = true;
    closeSync(this.fd);
    closeSync(this.idx);
  }
}
