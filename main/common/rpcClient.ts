import { Emitter, toDisposable, type Event, type IDisposable } from './event';
import { AppError, ErrorCode, fromWireError } from './errors';
import { decodeServerFrame, type ChannelSpec, type IMessagePort, type ServerFrame } from './rpc';

interface Pending {
  resolve(v: unknown): void;
  reject(e: unknown): void;
  cleanup(): void;
}
interface Subscription {
  ch: string;
  e: string;
  a: unknown;
  listener(v: unknown): void;
  onEnd?: (e?: AppError) => void;
}

/**
 * The client side of the RPC protocol. It outlives connections: `setPort` swaps in a new connection and
 * re-subscribes every live event subscription, so proxies keep working across a reconnect.
 */
export class RpcClient implements IDisposable {
  private port: IMessagePort | undefined;
  private portListeners: IDisposable[] = [];
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly subs = new Map<number, Subscription>();
  private readonly _onDidDisconnect = new Emitter<{ code?: number; reason?: string }>();
  /** Fires when the current connection closes. */
  readonly onDidDisconnect = this._onDidDisconnect.event;
  private readonly _onDidFatal = new Emitter<AppError>();
  /** Fires when the core reports a frame-level error it could not tie to a request. */
  readonly onDidFatal = this._onDidFatal.event;

  /** Calls made while no connection is attached, waiting for one (see `connectWaitMs`). */
  private readonly waiting = new Set<{ go(): void; fail(e: AppError): void }>();

  /**
   * `connectWaitMs`: how long a call made while no connection is attached (a page still connecting, or reconnecting)
   * waits for one before it fails; 0 fails it at once (command-line clients, which connect before they call).
   */
  constructor(
    port?: IMessagePort,
    private readonly options: { connectWaitMs?: number } = {},
  ) {
    if (port) this.setPort(port);
  }

  /** Whether a connection is attached. */
  get connected(): boolean {
    return this.port !== undefined;
  }

  /** Attaches a (new) connection and replays live subscriptions on it. */
  setPort(port: IMessagePort): void {
    this.detach();
    this.port = port;
    this.portListeners = [
      port.onMessage((raw) => this.onFrame(raw)),
      port.onClose((info) => {
        if (this.port !== port) return;
        this.detach();
        this.failPending(new AppError(ErrorCode.Disconnected, `Lost the connection to the Lathe core${info.reason ? ` (${info.reason})` : ''}. Check that the core is running.`));
        this._onDidDisconnect.fire(info);
      }),
    ];
    for (const [id, s] of this.subs) this.sendRaw({ t: 'sub', id, ch: s.ch, e: s.e, a: s.a });
    for (const w of [...this.waiting]) w.go();
  }

  /** Fails the calls waiting for a connection (one that will not come: the session was refused, say). */
  failWaiting(err: AppError): void {
    for (const w of [...this.waiting]) w.fail(err);
  }

  /** Calls a method; rejects with AppError on a remote error, disconnect or abort. */
  call(ch: string, m: string, args: unknown[], signal?: AbortSignal): Promise<unknown> {
    if (signal?.aborted) return Promise.reject(new AppError(ErrorCode.Cancelled, `${ch}.${m} was cancelled.`));
    const port = this.port;
    if (!port) {
      const notConnected = new AppError(ErrorCode.Disconnected, 'Not connected to the Lathe core. Check that it is running and that the URL and token are right.');
      const wait = this.options.connectWaitMs ?? 0;
      if (!wait) return Promise.reject(notConnected);
      return new Promise<void>((resolve, reject) => {
        const w = {
          go: () => (done(), resolve()),
          fail: (e: AppError) => (done(), reject(e)),
        };
        const timer = setTimeout(() => w.fail(notConnected), wait);
        const onAbort = () => w.fail(new AppError(ErrorCode.Cancelled, `${ch}.${m} was cancelled.`));
        const done = () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          this.waiting.delete(w);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        this.waiting.add(w);
      }).then(() => this.call(ch, m, args, signal));
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.sendRaw({ t: 'cancel', id });
        this.pending.get(id)?.reject(new AppError(ErrorCode.Cancelled, `${ch}.${m} was cancelled.`));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const cleanup = () => {
        signal?.removeEventListener('abort', onAbort);
        this.pending.delete(id);
      };
      this.pending.set(id, {
        resolve: (v) => (cleanup(), resolve(v)),
        reject: (e) => (cleanup(), reject(e)),
        cleanup,
      });
      this.sendRaw({ t: 'call', id, ch, m, a: args });
    });
  }

  /** Subscribes to an event; the subscription survives reconnects until disposed. */
  subscribe(ch: string, e: string, a: unknown, listener: (v: unknown) => void, onEnd?: (err?: AppError) => void): IDisposable {
    const id = this.nextId++;
    this.subs.set(id, { ch, e, a, listener, onEnd });
    if (this.port) this.sendRaw({ t: 'sub', id, ch, e, a });
    return toDisposable(() => {
      if (this.subs.delete(id) && this.port) this.sendRaw({ t: 'unsub', id });
    });
  }

  /** Closes the connection and fails everything pending. */
  dispose(): void {
    const port = this.port;
    this.detach();
    port?.close(1000, 'client disposed');
    this.failPending(new AppError(ErrorCode.Disconnected, 'The connection to the Lathe core was closed.'));
    this.failWaiting(new AppError(ErrorCode.Disconnected, 'The connection to the Lathe core was closed.'));
    this.subs.clear();
    this._onDidDisconnect.dispose();
    this._onDidFatal.dispose();
  }

  private detach(): void {
    for (const l of this.portListeners) l.dispose();
    this.portListeners = [];
    this.port = undefined;
  }

  private failPending(err: AppError): void {
    for (const p of [...this.pending.values()]) p.reject(err);
  }

  private sendRaw(frame: object): void {
    this.port?.send(JSON.stringify(frame));
  }

  private onFrame(raw: string): void {
    let f: ServerFrame;
    try {
      f = decodeServerFrame(raw);
    } catch {
      this._onDidFatal.fire(new AppError(ErrorCode.BadRequest, 'The core sent a frame that is not JSON.'));
      return;
    }
    switch (f.t) {
      case 'ok':
        this.pending.get(f.id)?.resolve(f.v);
        break;
      case 'err':
        this.pending.get(f.id)?.reject(fromWireError(f.e));
        break;
      case 'ev':
        this.subs.get(f.id)?.listener(f.v);
        break;
      case 'end': {
        const s = this.subs.get(f.id);
        this.subs.delete(f.id);
        s?.onEnd?.(f.e ? fromWireError(f.e) : undefined);
        break;
      }
      case 'fatal':
        this._onDidFatal.fire(fromWireError(f.e));
        break;
    }
  }
}

/**
 * Builds a typed client for a contract from its spec. Methods return promises; a trailing
 * `{ signal }` argument beyond the spec's arity cancels the call. Events are subscribed lazily.
 */
export function createProxy<T>(client: RpcClient, spec: ChannelSpec<T>): T {
  const target: Record<string, unknown> = {};
  for (const [m, argSchemas] of Object.entries(spec.methods) as [string, readonly unknown[]][]) {
    target[m] = (...args: unknown[]) => {
      let signal: AbortSignal | undefined;
      if (args.length > argSchemas.length) {
        const ctx = args[argSchemas.length] as { signal?: AbortSignal } | undefined;
        signal = ctx?.signal;
        args = args.slice(0, argSchemas.length);
      }
      // JSON has no undefined in arrays; trailing undefineds are dropped so optional args stay optional.
      while (args.length && args[args.length - 1] === undefined) args.pop();
      return client.call(spec.name, m, args, signal);
    };
  }
  for (const [e, argSchema] of Object.entries(spec.events) as [string, unknown][]) {
    const makeEvent =
      (arg: unknown): Event<unknown> =>
      (listener) =>
        client.subscribe(spec.name, e, arg, listener);
    target[e] = argSchema === null ? makeEvent(undefined) : (arg: unknown) => makeEvent(arg);
  }
  return Object.freeze(target) as T;
}
