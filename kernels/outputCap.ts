import { formatBytes } from '../main/common/format';
import type { KernelEvent, NotebookOutput } from '../main/common/kernels';

/** Characters an output holds (its strings), without serialising it. */
export function outputChars(o: NotebookOutput): number {
  switch (o.output_type) {
    case 'stream':
      return o.text.length;
    case 'error':
      return o.ename.length + o.evalue.length + o.traceback.reduce((a, l) => a + l.length, 0);
    default:
      return Object.values(o.data).reduce<number>((a, v) => a + (typeof v === 'string' ? v.length : JSON.stringify(v ?? null).length), 0);
  }
}

/**
 * Bounds what one execution sends on: stream text up to `headChars` passes live; past it, only the last `tailChars`
 * are kept, and rich outputs are left out whole. At the end, a note says how much was left out, then the tail
 * follows. A clear_output starts the count again (progress displays clear and redraw all the time).
 */
export class OutputCap {
  private head: number;
  private left = 0;
  private tail: { name: 'stdout' | 'stderr'; text: string }[] = [];
  private tailChars = 0;

  constructor(
    private readonly execId: string,
    private readonly headChars: number,
    private readonly tailChars_: number,
  ) {
    this.head = headChars;
  }

  /** The events to pass on now for one event from the kernel. */
  admit(e: KernelEvent): KernelEvent[] {
    if (e.type === 'clearOutput') {
      this.head = this.headChars;
      this.left = 0;
      this.tail = [];
      this.tailChars = 0;
      return [e];
    }
    if (e.type === 'updateDisplay') {
      const size = outputChars(e.output);
      if (size <= this.headChars) return [e];
      this.left += size;
      return [];
    }
    if (e.type !== 'output') return [e];
    const size = outputChars(e.output);
    if (size <= this.head) {
      this.head -= size;
      return [e];
    }
    if (e.output.output_type !== 'stream') {
      this.left += size;
      return [];
    }
    const out: KernelEvent[] = [];
    let rest = e.output.text;
    if (this.head > 0) {
      out.push({ ...e, output: { ...e.output, text: rest.slice(0, this.head) } });
      rest = rest.slice(this.head);
      this.head = 0;
    }
    this.keepTail(e.output.name, rest);
    return out;
  }

  /** What to send when the execution is over: the note and the tail, if anything was left out. */
  finish(): KernelEvent[] {
    if (!this.left && !this.tail.length) return [];
    const note = `\n[Lathe: ${formatBytes(this.left)} of this cell's output left out; a cell keeps its first ${formatBytes(this.headChars)} and last ${formatBytes(this.tailChars_)}. Write big results to a file instead.]\n`;
    const events: KernelEvent[] = [{ type: 'output', execId: this.execId, output: { output_type: 'stream', name: 'stderr', text: note } }];
    for (const t of this.tail) events.push({ type: 'output', execId: this.execId, output: { output_type: 'stream', name: t.name, text: t.text } });
    this.left = 0;
    this.tail = [];
    this.tailChars = 0;
    return events;
  }

  private keepTail(name: 'stdout' | 'stderr', text: string): void {
    const last = this.tail.at(-1);
    if (last?.name === name) last.text += text;
    else this.tail.push({ name, text });
    this.tailChars += text.length;
    while (this.tailChars > this.tailChars_) {
      const first = this.tail[0]!;
      const over = this.tailChars - this.tailChars_;
      if (first.text.length <= over) {
        this.tail.shift();
        this.tailChars -= first.text.length;
        this.left += first.text.length;
      } else {
        first.text = first.text.slice(over);
        this.tailChars -= over;
        this.left += over;
      }
    }
  }
}
