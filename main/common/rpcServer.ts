import type { z } from 'zod';
import { DisposableStore, type Event, type IDisposable } from './event';
import { AppError, ErrorCode, toWireError, type WireError } from './errors';
import { ClientFrameSchema, MAX_BUFFERED_BYTES, encodeServerFrame, formatZodError, parseClientFrame, type CallContext, type ChannelSpec, type IMessagePort, type ServerFrame } from './rpc';

interface Registered {
  spec: ChannelSpec<unknown>;
  impl: Record<string, unknown>;
}

/** Options for serving connections. */
export interface RpcServerOptions {
  /** Outbound bytes queued on one connection before it is dropped as too slow (default MAX_BUFFERED_BYTES). */
  maxBufferedBytes?: number;
  /** Called for bugs (non-AppError throws) so the core can log them. */
  onBug?: (err: unknown, where: string) => void;
}

/**
 * The dispatcher: serves registered implementations to any number of connections. Only methods and events
 * named in a channel's spec can be reached; arguments are validated before the implementation sees them;
 * a bad frame gets an error and the connection stays up.
 */
export class RpcServer implements IDisposable {
  private readonly channels = new Map<string, Registered>();
  private readonly connections = new Set<RpcConnection>();
  private nextClient = 1;

  constructor(private readonly options: RpcServerOptions = {}) {}

  /** Serves `impl` on `spec.name`. */
  serveChannel<T>(spec: ChannelSpec<T>, impl: T): void {
    if (this.channels.has(spec.name)) throw new Error(`channel ${spec.name} is already served`);
    this.channels.set(spec.name, { spec: spec as ChannelSpec<unknown>, impl: impl as Record<string, unknown> });
  }

  /** The names of served channels. */
  get channelNames(): string[] {
    return [...this.channels.keys()];
  }

  /** Starts serving one connection; it is cleaned up when the port closes. */
  accept(port: IMessagePort): IDisposable {
    const conn = new RpcConnection(port, `c${this.nextClient++}`, this.channels, this.options);
    this.connections.add(conn);
    port.onClose(() => {
      conn.dispose();
      this.connections.delete(conn);
    });
    return conn;
  }

  /** Number of live connections. */
  get connectionCount(): number {
    return this.connections.size;
  }

  /** Closes every connection. */
  dispose(): void {
    for (const c of this.connections) c.close(1001, 'core shutting down');
    this.connections.clear();
  }
}

class RpcConnection implements IDisposable {
  private readonly calls = new Map<number, AbortController>();
  private readonly subs = new Map<number, IDisposable>();
  private readonly store = new DisposableStore();
  private closed = false;

  constructor(
    private readonly port: IMessagePort,
    private readonly clientId: string,
    private readonly channels: Map<string, Registered>,
    private readonly options: RpcServerOptions,
  ) {
    this.store.add(port.onMessage((raw) => this.onFrame(raw)));
  }

  close(code: number, reason: string): void {
    this.dispose();
    this.port.close(code, reason);
  }

  dispose(): void {
    if (this.closed) return;
    this.closed = true;
    // The reason tells services a vanished client from a cancel: work meant to outlive the page can go on.
    for (const c of this.calls.values()) c.abort(new AppError(ErrorCode.Disconnected, 'The client disconnected.'));
    this.calls.clear();
    for (const s of this.subs.values()) s.dispose();
    this.subs.clear();
    this.store.dispose();
  }

  private send(frame: ServerFrame): void {
    if (this.closed) return;
    const limit = this.options.maxBufferedBytes ?? MAX_BUFFERED_BYTES;
    if ((this.port.bufferedAmount ?? 0) > limit) {
      // The client is not reading: drop it rather than queue without bound. It may reconnect and replay.
      this.close(1008, 'client too slow: outbound buffer limit exceeded');
      return;
    }
    this.port.send(encodeServerFrame(frame));
  }

  private fatal(e: WireError): void {
    this.send({ t: 'fatal', e });
  }

  private onFrame(raw: string): void {
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      this.fatal({ code: ErrorCode.BadRequest, message: 'Malformed frame: not valid JSON. Each frame must be one JSON object.' });
      return;
    }
    const f = parseClientFrame(json);
    if (!f) {
      const parsed = ClientFrameSchema.safeParse(json);
      const why = parsed.success ? 'unexpected shape' : formatZodError(parsed.error);
      const id = typeof (json as { id?: unknown })?.id === 'number' ? (json as { id: number }).id : undefined;
      const e = { code: ErrorCode.BadRequest, message: `Malformed frame: ${why}.` };
      if (id !== undefined && (json as { t?: unknown }).t === 'call') this.send({ t: 'err', id, e });
      else this.fatal(e);
      return;
    }
    switch (f.t) {
      case 'call':
        void this.onCall(f.id, f.ch, f.m, f.a);
        break;
      case 'cancel':
        this.calls.get(f.id)?.abort(new AppError(ErrorCode.Cancelled, 'The client cancelled the call.'));
        break;
      case 'sub':
        this.onSub(f.id, f.ch, f.e, f.a);
        break;
      case 'unsub':
        this.subs.get(f.id)?.dispose();
        this.subs.delete(f.id);
        break;
    }
  }

  private channel(ch: string): Registered {
    const reg = this.channels.get(ch);
    if (!reg) throw new AppError(ErrorCode.UnknownChannel, `Unknown channel "${ch}". Known channels: ${[...this.channels.keys()].join(', ')}.`);
    return reg;
  }

  private async onCall(id: number, ch: string, m: string, args: unknown[]): Promise<void> {
    if (this.calls.has(id)) {
      this.send({ t: 'err', id, e: { code: ErrorCode.BadRequest, message: `Request id ${id} is already in use on this connection.` } });
      return;
    }
    const ctl = new AbortController();
    this.calls.set(id, ctl);
    try {
      const { spec, impl } = this.channel(ch);
      const schemas = Object.hasOwn(spec.methods, m) ? (spec.methods as Record<string, readonly z.ZodType[]>)[m] : undefined;
      const fn = impl[m];
      if (!schemas || typeof fn !== 'function') throw new AppError(ErrorCode.UnknownMethod, `Unknown method "${m}" on channel "${ch}".`);
      const valid = validateArgs(`${ch}.${m}`, schemas, args);
      const ctx: CallContext = { signal: ctl.signal, clientId: this.clientId };
      const v = await (fn as (...a: unknown[]) => unknown).apply(impl, [...valid, ctx]);
      if (ctl.signal.aborted) throw new AppError(ErrorCode.Cancelled, `${ch}.${m} was cancelled.`);
      this.send(v === undefined ? { t: 'ok', id } : { t: 'ok', id, v });
    } catch (err) {
      if (!(err instanceof AppError)) this.options.onBug?.(err, `${ch}.${m}`);
      this.send({ t: 'err', id, e: ctl.signal.aborted && !(err instanceof AppError) ? { code: ErrorCode.Cancelled, message: `${ch}.${m} was cancelled.` } : toWireError(err) });
    } finally {
      this.calls.delete(id);
    }
  }

  private onSub(id: number, ch: string, e: string, arg: unknown): void {
    try {
      if (this.subs.has(id)) throw new AppError(ErrorCode.BadRequest, `Subscription id ${id} is already in use on this connection.`);
      const { spec, impl } = this.channel(ch);
      if (!Object.hasOwn(spec.events, e)) throw new AppError(ErrorCode.UnknownMethod, `Unknown event "${e}" on channel "${ch}".`);
      const argSchema = (spec.events as Record<string, z.ZodType | null>)[e]!; // hasOwn above
      let event: Event<unknown>;
      if (argSchema === null) {
        event = impl[e] as Event<unknown>;
      } else {
        const [valid] = validateArgs(`${ch}.${e}`, [argSchema], [arg]);
        event = (impl[e] as (a: unknown, ctx: CallContext) => Event<unknown>).call(impl, valid, { clientId: this.clientId });
      }
      if (typeof event !== 'function') throw new AppError(ErrorCode.UnknownMethod, `Event "${e}" on channel "${ch}" is not implemented.`);
      this.subs.set(id, event((v) => this.send({ t: 'ev', id, v })));
    } catch (err) {
      if (!(err instanceof AppError)) this.options.onBug?.(err, `${ch}.${e}`);
      this.send({ t: 'end', id, e: toWireError(err) });
    }
  }
}

function validateArgs(where: string, schemas: readonly z.ZodType[], args: unknown[]): unknown[] {
  if (args.length > schemas.length) {
    throw new AppError(ErrorCode.InvalidArgument, `${where} takes ${schemas.length} argument(s) but got ${args.length}.`);
  }
  return schemas.map((s, i) => {
    const r = s.safeParse(args[i]);
    if (!r.success) throw new AppError(ErrorCode.InvalidArgument, `Invalid argument ${i + 1} of ${where}: ${formatZodError(r.error)}.`, { issues: r.error.issues });
    return r.data;
  });
}
