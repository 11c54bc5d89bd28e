import type { IPty } from 'node-pty';
import { Emitter, toDisposable, type Event, type IDisposable } from '../../common/event';
import { TerminalFlow, type TerminalInfo, type TerminalOutput } from '../../common/terminal';

/** Output batching, as Hyper does it: one message per ~16 ms or per 200 KB, whichever comes first. */
export const BATCH_MS = 16;
export const BATCH_MAX_CHARS = 200 * 1024;

interface ClientFlow {
  unacked: number;
  refs: number;
}

/**
 * One pty with its batching, bounded scrollback and per-client flow control. Memory per terminal is bounded
 * by the scrollback cap plus one batch: a client that stops acking pauses the pty instead of growing buffers.
 */
export class PtyTerminal implements IDisposable {
  private pending = '';
  private timer: NodeJS.Timeout | undefined;
  private scrollback: string[] = [];
  private scrollbackChars = 0;
  private readonly clients = new Map<string, ClientFlow>();
  private paused = false;
  private exit: TerminalInfo['exit'];
  private readonly output = new Emitter<TerminalOutput>();
  private readonly subscriptions: IDisposable[] = [];
  private exited!: () => void;
  /** Settles when the shell has exited and been reaped. */
  readonly whenExited = new Promise<void>((resolve) => (this.exited = resolve));

  constructor(
    readonly info: Omit<TerminalInfo, 'exit'>,
    private readonly pty: IPty,
    private readonly maxScrollbackChars: number,
    private readonly onExit: () => void,
  ) {
    this.subscriptions.push(
      pty.onData((d) => this.onData(d)),
      pty.onExit(({ exitCode, signal }) => {
        this.flush();
        this.exit = signal ? { code: exitCode, signal } : { code: exitCode };
        this.output.fire({ exit: this.exit });
        this.exited();
        this.onExit();
      }),
    );
  }

  /** The terminal's public description. */
  describe(): TerminalInfo {
    return this.exit ? { ...this.info, exit: this.exit } : { ...this.info };
  }

  /** Whether the pty is paused for flow control. */
  get isPaused(): boolean {
    return this.paused;
  }

  /** The output stream for one subscriber: scrollback replay first, then live data. `clientId` opts into flow control. */
  subscribe(clientId: string | undefined): Event<TerminalOutput> {
    return (listener) => {
      // Flush first so the pending batch lands in the scrollback exactly once for every subscriber.
      this.flush();
      const replay = this.scrollback.join('');
      this.scrollback = replay ? [replay] : [];
      const flow = clientId ? this.addClient(clientId) : undefined;
      if (flow) flow.unacked += replay.length;
      listener({ data: replay, replay: true });
      if (this.exit) listener({ exit: this.exit });
      const sub = this.output.event(listener);
      this.updatePause();
      return toDisposable(() => {
        sub.dispose();
        if (clientId) this.removeClient(clientId);
      });
    };
  }

  write(data: string): void {
    if (!this.exit) this.pty.write(data);
  }

  resize(cols: number, rows: number): void {
    if (this.exit) return;
    this.pty.resize(cols, rows);
    this.info.cols = cols;
    this.info.rows = rows;
  }

  /** A client rendered `chars` more characters. */
  ack(clientId: string, chars: number): void {
    const flow = this.clients.get(clientId);
    if (!flow) return;
    flow.unacked = Math.max(0, flow.unacked - chars);
    this.updatePause();
  }

  /**
   * Ends the shell: SIGHUP as a terminal closing would, then SIGKILL if it is still there after `graceMs`
   * (a hangup can be ignored, or lost while the shell starts). Resolves once it has exited.
   */
  async terminate(graceMs = 1000): Promise<void> {
    if (!this.exit) {
      this.signal(undefined);
      const timedOut = await Promise.race([this.whenExited.then(() => false), sleep(graceMs).then(() => true)]);
      if (timedOut && !this.exit) {
        this.signal('SIGKILL');
        await Promise.race([this.whenExited, sleep(graceMs)]);
      }
    }
    this.dispose();
  }

  /** Stops streaming and releases listeners; `terminate` ends the process first. */
  dispose(): void {
    clearTimeout(this.timer);
    for (const s of this.subscriptions) s.dispose();
    this.output.dispose();
  }

  private signal(sig: string | undefined): void {
    try {
      this.pty.kill(sig);
    } catch {
      // Already gone.
    }
  }

  private addClient(id: string): ClientFlow {
    let f = this.clients.get(id);
    if (!f) this.clients.set(id, (f = { unacked: 0, refs: 0 }));
    f.refs++;
    return f;
  }

  private removeClient(id: string): void {
    const f = this.clients.get(id);
    if (f && --f.refs <= 0) this.clients.delete(id);
    this.updatePause();
  }

  private onData(d: string): void {
    this.pending += d;
    if (this.pending.length >= BATCH_MAX_CHARS) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), BATCH_MS);
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.pending) return;
    const data = this.pending;
    this.pending = '';
    this.appendScrollback(data);
    for (const f of this.clients.values()) f.unacked += data.length;
    this.output.fire({ data });
    this.updatePause();
  }

  private appendScrollback(data: string): void {
    this.scrollback.push(data);
    this.scrollbackChars += data.length;
    while (this.scrollbackChars > this.maxScrollbackChars && this.scrollback.length) {
      const excess = this.scrollbackChars - this.maxScrollbackChars;
      const first = this.scrollback[0]!; // the loop runs while there is one
      if (first.length <= excess) {
        this.scrollback.shift();
        this.scrollbackChars -= first.length;
      } else {
        this.scrollback[0] = first.slice(excess);
        this.scrollbackChars -= excess;
      }
    }
  }

  private updatePause(): void {
    if (this.exit) return;
    let max = 0;
    for (const f of this.clients.values()) max = Math.max(max, f.unacked);
    if (!this.paused && max > TerminalFlow.HighWatermarkChars) {
      this.paused = true;
      this.pty.pause();
    } else if (this.paused && max < TerminalFlow.LowWatermarkChars) {
      this.paused = false;
      this.pty.resume();
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
