import { chunkLines, type LogChunk, type LogLine } from '../../../main/common/jobs';

interface Held {
  chunk: LogChunk;
  /** Line number of its first line, counted from the first line this store ever held. */
  start: number;
  /** Where each of its lines starts in its text (and where the text ends), found the first time one is shown:
   *  showing the last rows of a 300,000-line chunk then costs one scan for newlines, not 300,000 strings. */
  starts?: Uint32Array;
  /** Its lines as objects, made only for a search. */
  lines?: LogLine[];
}

function lineStarts(text: string, count: number): Uint32Array {
  const starts = new Uint32Array(count + 1);
  let at = 0;
  for (let i = 0; i < count; i++) {
    starts[i] = at;
    at = text.indexOf('\n', at) + 1;
  }
  starts[count] = at;
  return starts;
}

/** The last `keep` lines of a chunk, as a chunk that starts that many lines before its end. */
function newest(chunk: LogChunk, keep: number): LogChunk {
  const cut = chunk.count - keep;
  let at = 0;
  for (let i = 0; i < cut; i++) at = chunk.text.indexOf('\n', at) + 1;
  const streams: [number, 'o' | 'e'][] = [[0, streamOf(chunk, cut)]];
  for (const [i, s] of chunk.streams) if (i > cut) streams.push([i - cut, s]);
  return { ...chunk, n: chunk.n + cut, text: chunk.text.slice(at), count: keep, streams };
}

/** The stream of line `i` of a chunk (its `streams` mark where it switches, in line order). */
function streamOf(chunk: LogChunk, i: number): 'o' | 'e' {
  const marks = chunk.streams;
  if (!marks.length) return 'o';
  // The last mark at or before line i (binary search: a chunk of interleaved output has a mark per line).
  let lo = 0;
  let hi = marks.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (marks[mid]![0] <= i) lo = mid;
    else hi = mid - 1;
  }
  return marks[lo]![0] <= i ? marks[lo]![1] : marks[0]![1];
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
    // One chunk can hold more than the cap (a slow page gets the core's lines merged into few large chunks): only
    // its newest `keep` lines are held, and the ones cut off count as let go.
    if (chunk.count > this.keep) chunk = newest(chunk, this.keep);
    if (chunk.n > this.total) {
      // Lines before this chunk were never sent (a subscription that asked for the tail): they count, and what is
      // held, older than them, goes.
      this.head = this.held.length;
      this.dropped = chunk.n;
      this.length = 0;
      this.total = chunk.n;
    }
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
    const j = abs - found.start;
    if (found.lines) return found.lines[j];
    found.starts ??= lineStarts(found.chunk.text, found.chunk.count);
    return { s: streamOf(found.chunk, j), l: found.chunk.text.slice(found.starts[j]!, found.starts[j + 1]! - 1) };
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
