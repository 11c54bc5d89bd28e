import { chunkLines, type LogChunk, type LogLine } from '../../../main/common/jobs';

interface Held {
  chunk: LogChunk;
  /** Line number of its first line, counted from the first line this store ever held. */
  start: number;
  /** Its lines, split the first time one of them is shown. */
  lines?: LogLine[];
}

/**
 * A run's log in the renderer, kept as the chunks it arrived in: taking a chunk costs the same for one line or
 * three hundred thousand (nothing is split or copied until a row is shown), so a job printing a million lines
 * streams into the page at the speed the core sends it. The oldest chunks are let go once the newest `keep`
 * lines are held without them.
 */
export class LogLines {
  private held: Held[] = [];
  /** Index in `held` of the oldest chunk still kept (dropped ones are cut away in batches). */
  private head = 0;
  /** Lines let go from the front. */
  private dropped = 0;
  /** Lines held now. */
  length = 0;
  /** Lines ever taken. */
  total = 0;
  /** Index in `held` of the chunk the last `at()` found: rows are read in order, so it is usually the next one's. */
  private hint = 0;

  constructor(private readonly keep: number) {}

  push(chunk: LogChunk): void {
    if (!chunk.count) return;
    this.held.push({ chunk, start: this.dropped + this.length });
    this.length += chunk.count;
    this.total += chunk.count;
    while (this.held.length - this.head > 1 && this.length - this.held[this.head]!.chunk.count >= this.keep) {
      const gone = this.held[this.head++]!;
      this.length -= gone.chunk.count;
      this.dropped += gone.chunk.count;
    }
    if (this.head > 1024 && this.head * 2 > this.held.length) {
      this.held = this.held.slice(this.head);
      this.hint = Math.max(0, this.hint - this.head);
      this.head = 0;
    }
  }

  /** The `i`th line held (0 is the oldest kept). */
  at(i: number): LogLine | undefined {
    if (i < 0 || i >= this.length) return undefined;
    const abs = this.dropped + i;
    let k = this.hint >= this.head && this.hint < this.held.length ? this.hint : this.head;
    const h = this.held[k]!;
    if (abs < h.start || abs >= h.start + h.chunk.count) {
      // Binary search over the kept chunks by first line.
      let lo = this.head;
      let hi = this.held.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (this.held[mid]!.start <= abs) lo = mid;
        else hi = mid - 1;
      }
      k = lo;
    }
    this.hint = k;
    const found = this.held[k]!;
    found.lines ??= chunkLines(found.chunk);
    return found.lines[abs - found.start];
  }

  /** The held lines containing `query`; chunks without it are skipped without being split. */
  filter(query: string): LogLine[] {
    const out: LogLine[] = [];
    for (let k = this.head; k < this.held.length; k++) {
      const h = this.held[k]!;
      if (!h.chunk.text.includes(query)) continue;
      h.lines ??= chunkLines(h.chunk);
      for (const l of h.lines) if (l.l.includes(query)) out.push(l);
    }
    return out;
  }
}
