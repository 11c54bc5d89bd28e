import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppError, ErrorCode, isAppError } from './errors';
import { Emitter, type Event } from './event';
import { createMemoryPortPair } from './memoryTransport';
import { ClientFrameSchema, decodeServerFrame, defineChannel, encodeServerFrame, parseClientFrame, type CallContext, type IMessagePort, type ServerFrame } from './rpc';
import { RpcClient, createProxy } from './rpcClient';
import { RpcServer } from './rpcServer';

interface IDemo {
  add(a: number, b: number): Promise<number>;
  fail(kind: string): Promise<void>;
  wait(ms: number, ctx?: CallContext): Promise<string>;
  whoami(ctx?: CallContext): Promise<string | undefined>;
  readonly onDidTick: Event<number>;
  onDidEcho(arg: { prefix: string }, ctx?: CallContext): Event<string>;
}
const DemoChannel = defineChannel<IDemo>({
  name: 'demo',
  methods: { add: [z.number(), z.number()], fail: [z.string()], wait: [z.number().int().min(0)], whoami: [] },
  events: { onDidTick: null, onDidEcho: z.object({ prefix: z.string() }) },
});

class Demo implements IDemo {
  readonly ticks = new Emitter<number>();
  readonly onDidTick = this.ticks.event;
  readonly echoes = new Emitter<string>();
  aborted = 0;
  echoClients: (string | undefined)[] = [];
  async add(a: number, b: number) {
    return a + b;
  }
  async fail(kind: string): Promise<void> {
    if (kind === 'app') throw new AppError('ENV_NOT_FOUND', 'Demo failed: fix the demo.', { hint: 1 });
    throw new TypeError('boom');
  }
  wait(ms: number, ctx?: CallContext): Promise<string> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => resolve('done'), ms);
      ctx?.signal?.addEventListener('abort', () => {
        this.aborted++;
        clearTimeout(t);
        reject(new AppError(ErrorCode.Cancelled, 'wait cancelled'));
      });
    });
  }
  async whoami(ctx?: CallContext) {
    return ctx?.clientId;
  }
  onDidEcho(arg: { prefix: string }, ctx?: CallContext): Event<string> {
    this.echoClients.push(ctx?.clientId);
    return (l) => this.echoes.event((s) => l(arg.prefix + s));
  }
}

/** Resolves with the rejection of `p`; fails the test if it resolved. */
const failure = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e as AppError,
  );
const tick = () => new Promise((r) => setTimeout(r, 5));
let cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup) c();
  cleanup = [];
});

function setup(opts: { bugs?: unknown[] } = {}) {
  const server = new RpcServer({ onBug: (e) => opts.bugs?.push(e) });
  const impl = new Demo();
  server.serveChannel(DemoChannel, impl);
  const [a, b] = createMemoryPortPair();
  server.accept(b);
  const client = new RpcClient(a);
  cleanup.push(() => client.dispose());
  return { server, impl, client, proxy: createProxy(client, DemoChannel), clientPort: a };
}

/** Sends raw frames and collects raw replies, as a misbehaving client would. */
function rawClient(server: RpcServer) {
  const [a, b] = createMemoryPortPair();
  server.accept(b);
  const frames: Record<string, unknown>[] = [];
  a.onMessage((f) => frames.push(decodeServerFrame(f) as unknown as Record<string, unknown>));
  return { port: a, frames };
}

describe('client frame validation', () => {
  it('the hot-path check agrees with the schema on valid and malformed frames', () => {
    const frames: unknown[] = [
      { t: 'call', id: 1, ch: 'a', m: 'b', a: [] },
      { t: 'call', id: 1, ch: 'a', m: 'b', a: [1, { x: 2 }] },
      { t: 'call', id: -1, ch: 'a', m: 'b', a: [] },
      { t: 'call', id: 1.5, ch: 'a', m: 'b', a: [] },
      { t: 'call', id: 1, ch: '', m: 'b', a: [] },
      { t: 'call', id: 1, ch: 'a', m: 'b' },
      { t: 'call', id: 1, ch: 'a', m: 'b', a: {} },
      { t: 'call', id: '1', ch: 'a', m: 'b', a: [] },
      { t: 'cancel', id: 3 },
      { t: 'cancel' },
      { t: 'unsub', id: 0 },
      { t: 'sub', id: 2, ch: 'a', e: 'onDidX' },
      { t: 'sub', id: 2, ch: 'a', e: 'onDidX', a: { id: 't1' } },
      { t: 'sub', id: 2, ch: 'a' },
      { t: 'nope', id: 1 },
      null,
      [],
      'call',
      42,
    ];
    for (const f of frames) expect(parseClientFrame(f) !== undefined, JSON.stringify(f)).toBe(ClientFrameSchema.safeParse(f).success);
    expect(parseClientFrame({ t: 'call', id: 1, ch: 'a', m: 'b', a: [], extra: 1 })).toEqual({ t: 'call', id: 1, ch: 'a', m: 'b', a: [] });
  });
});

describe('raw-tail event frames', () => {
  // Everything a log line or a terminal can hold: newlines, quotes, backslashes, NUL and the frame's own mark, non-ASCII.
  const bulk = Array.from({ length: 4000 }, (_, i) => `line ${i} "q" \\ \u0000 \u0001 é 😀\t\r`).join('\n') + '\n';

  it('sends a long text or data field unescaped after the header and gets it back exactly', () => {
    for (const field of ['text', 'data']) {
      const frame: ServerFrame = { t: 'ev', id: 7, v: { runId: 'r1', n: 12, [field]: bulk, streams: [[0, 'o']] } };
      const wire = encodeServerFrame(frame);
      expect(wire.charCodeAt(0)).toBe(1);
      expect(wire.endsWith(bulk)).toBe(true); // the tail is the string itself, not its JSON escape
      expect(wire.length).toBeLessThan(bulk.length + 200);
      expect(decodeServerFrame(wire)).toEqual(frame);
    }
  });

  it('keeps short strings, other fields and other frames as plain JSON', () => {
    const frames: ServerFrame[] = [
      { t: 'ev', id: 1, v: { text: 'short\n' } },
      { t: 'ev', id: 1, v: { body: bulk } },
      { t: 'ev', id: 1, v: bulk },
      { t: 'ok', id: 2, v: { text: bulk } },
    ];
    for (const f of frames) {
      const wire = encodeServerFrame(f);
      expect(wire).toBe(JSON.stringify(f));
      expect(decodeServerFrame(wire)).toEqual(f);
    }
  });

  it('refuses malformed raw-tail frames', () => {
    expect(() => decodeServerFrame('\u0001{"t":"ev","id":1,"v":{},"x":"text"}')).toThrow(/separator/);
    expect(() => decodeServerFrame('\u0001{"t":"ev","id":1,"v":{},"x":"other"}\u0000tail')).toThrow(/names no field/);
    expect(() => decodeServerFrame('\u0001{"t":"ok","id":1,"v":{},"x":"text"}\u0000tail')).toThrow(/names no field/);
    expect(() => decodeServerFrame('\u0001not json\u0000tail')).toThrow(SyntaxError);
  });
});

describe('RPC over an in-memory transport', () => {
  it('round-trips a call and its result', async () => {
    const { proxy } = setup();
    await expect(proxy.add(2, 3)).resolves.toBe(5);
  });

  it('rebuilds AppErrors with code, message and detail, and hides bug details behind INTERNAL', async () => {
    const bugs: unknown[] = [];
    const { proxy } = setup({ bugs });
    const err = await failure(proxy.fail('app'));
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'ENV_NOT_FOUND', message: 'Demo failed: fix the demo.', detail: { hint: 1 } });
    const bug = await failure(proxy.fail('bug'));
    expect(bug.code).toBe(ErrorCode.Internal);
    expect(bug.message).toMatch(/bug/);
    expect(bugs).toHaveLength(1);
  });

  it('validates arguments at the boundary and names the bad one', async () => {
    const { client } = setup();
    const err = await failure(client.call('demo', 'add', [1, 'two']));
    expect(err.code).toBe(ErrorCode.InvalidArgument);
    expect(err.message).toMatch(/argument 2 of demo\.add/);
    const extra = await failure(client.call('demo', 'add', [1, 2, 3]));
    expect(extra.code).toBe(ErrorCode.InvalidArgument);
    expect(extra.message).toMatch(/takes 2 argument/);
  });

  it('rejects unknown channels and methods, including inherited and unlisted members', async () => {
    const { client, proxy } = setup();
    expect((await failure(client.call('nope', 'x', []))).code).toBe(ErrorCode.UnknownChannel);
    expect((await failure(client.call('demo', 'dispose', []))).code).toBe(ErrorCode.UnknownMethod);
    expect((await failure(client.call('demo', 'constructor', []))).code).toBe(ErrorCode.UnknownMethod);
    expect((await failure(client.call('demo', 'toString', []))).code).toBe(ErrorCode.UnknownMethod);
    // The connection is still up.
    await expect(proxy.add(1, 1)).resolves.toBe(2);
  });

  it('answers malformed frames with an error and keeps serving', async () => {
    const { server } = setup();
    const raw = rawClient(server);
    raw.port.send('{not json');
    raw.port.send(JSON.stringify({ t: 'call', id: 7, ch: 'demo' }));
    raw.port.send(JSON.stringify({ t: 'what' }));
    raw.port.send(JSON.stringify({ t: 'call', id: 8, ch: 'demo', m: 'add', a: [20, 22] }));
    await tick();
    expect(raw.frames[0]).toMatchObject({ t: 'fatal', e: { code: ErrorCode.BadRequest } });
    expect(raw.frames[1]).toMatchObject({ t: 'err', id: 7, e: { code: ErrorCode.BadRequest } });
    expect(raw.frames[2]).toMatchObject({ t: 'fatal', e: { code: ErrorCode.BadRequest } });
    expect(raw.frames[3]).toEqual({ t: 'ok', id: 8, v: 42 });
  });

  it('cancels a call through an AbortSignal and the server sees the abort', async () => {
    const { proxy, impl } = setup();
    const ctl = new AbortController();
    const p = proxy.wait(10_000, { signal: ctl.signal });
    await tick();
    ctl.abort();
    const err = await failure(p);
    expect(isAppError(err, ErrorCode.Cancelled)).toBe(true);
    await tick();
    expect(impl.aborted).toBe(1);
  });

  it('tells the implementation whether a call was cancelled or its client disconnected', async () => {
    const reasons: unknown[] = [];
    const { server, impl } = setup();
    const orig = impl.wait.bind(impl);
    impl.wait = (ms, ctx) => {
      ctx?.signal?.addEventListener('abort', () => reasons.push(ctx.signal!.reason));
      return orig(ms, ctx);
    };
    const [a, b] = createMemoryPortPair();
    server.accept(b);
    const client = createProxy(new RpcClient(a), DemoChannel);
    const ctl = new AbortController();
    const cancelled = client.wait(10_000, { signal: ctl.signal }).catch(() => undefined);
    const dropped = client.wait(10_000).catch(() => undefined);
    await tick();
    ctl.abort();
    await tick();
    a.close();
    await Promise.all([cancelled, dropped]);
    await tick();
    expect(reasons.map((r) => (r as AppError).code)).toEqual([ErrorCode.Cancelled, ErrorCode.Disconnected]);
  });

  it('holds calls made before a connection until one is attached, when the client is told to wait; fails them after the wait', async () => {
    const { server } = setup();
    // Told to wait (the renderer: panels call while the page is still connecting).
    const waiting = new RpcClient(undefined, { connectWaitMs: 5_000 });
    cleanup.push(() => waiting.dispose());
    const proxy = createProxy(waiting, DemoChannel);
    const early = proxy.add(2, 3);
    const ctl = new AbortController();
    const cancelled = failure(proxy.wait(1, { signal: ctl.signal }));
    ctl.abort();
    expect((await cancelled).code).toBe(ErrorCode.Cancelled);
    await tick();
    const [a, b] = createMemoryPortPair();
    server.accept(b);
    waiting.setPort(a);
    expect(await early).toBe(5);
    // The wait is bounded, and a connection that will not come fails what waits at once.
    const brief = createProxy(new RpcClient(undefined, { connectWaitMs: 30 }), DemoChannel);
    expect((await failure(brief.add(1, 1))).code).toBe(ErrorCode.Disconnected);
    const refused = new RpcClient(undefined, { connectWaitMs: 60_000 });
    const never = failure(createProxy(refused, DemoChannel).add(1, 1));
    refused.failWaiting(new AppError(ErrorCode.Unauthorized, 'not authorised'));
    expect((await never).code).toBe(ErrorCode.Unauthorized);
    // Not told to wait (command-line clients): a call without a connection fails at once.
    expect((await failure(createProxy(new RpcClient(), DemoChannel).add(1, 1))).code).toBe(ErrorCode.Disconnected);
  });

  it('passes a per-connection client id to the implementation', async () => {
    const a = setup();
    const [p2, p2server] = createMemoryPortPair();
    a.server.accept(p2server);
    const second = createProxy(new RpcClient(p2), DemoChannel);
    const id1 = await a.proxy.whoami();
    const id2 = await second.whoami();
    expect(id1).toMatch(/^c\d+$/);
    expect(id2).toMatch(/^c\d+$/);
    expect(id1).not.toBe(id2);
  });

  it('delivers plain and parameterised events until unsubscribed', async () => {
    const { proxy, impl } = setup();
    const ticks: number[] = [];
    const echoes: string[] = [];
    const s1 = proxy.onDidTick((n) => ticks.push(n));
    const s2 = proxy.onDidEcho({ prefix: '> ' })((s) => echoes.push(s));
    await tick();
    impl.ticks.fire(1);
    impl.echoes.fire('hi');
    await tick();
    s1.dispose();
    s2.dispose();
    await tick();
    impl.ticks.fire(2);
    impl.echoes.fire('gone');
    await tick();
    expect(ticks).toEqual([1]);
    expect(echoes).toEqual(['> hi']);
    expect(impl.ticks.hasListeners).toBe(false);
    expect(impl.echoClients[0]).toMatch(/^c\d+$/);
  });

  it('ends a subscription with an error for a bad event argument', async () => {
    const { client } = setup();
    const ended = await new Promise<AppError | undefined>((resolve) => client.subscribe('demo', 'onDidEcho', { prefix: 5 }, () => undefined, resolve));
    expect(ended?.code).toBe(ErrorCode.InvalidArgument);
    const unknown = await new Promise<AppError | undefined>((resolve) => client.subscribe('demo', 'onDidNothing', undefined, () => undefined, resolve));
    expect(unknown?.code).toBe(ErrorCode.UnknownMethod);
  });

  it('rejects pending calls on disconnect and drops the server-side subscriptions', async () => {
    const { proxy, impl, clientPort } = setup();
    proxy.onDidTick(() => undefined);
    const p = proxy.wait(10_000);
    await tick();
    expect(impl.ticks.hasListeners).toBe(true);
    clientPort.close();
    const err = await failure(p);
    expect(err.code).toBe(ErrorCode.Disconnected);
    await tick();
    expect(impl.ticks.hasListeners).toBe(false);
    expect(impl.aborted).toBe(1);
  });

  it('replays live subscriptions on a new connection', async () => {
    const { server, impl, client, clientPort } = setup();
    const proxy = createProxy(client, DemoChannel);
    const got: number[] = [];
    proxy.onDidTick((n) => got.push(n));
    await tick();
    clientPort.close();
    await tick();
    const [a, b] = createMemoryPortPair();
    server.accept(b);
    client.setPort(a);
    await tick();
    impl.ticks.fire(9);
    await tick();
    expect(got).toEqual([9]);
    await expect(proxy.add(1, 2)).resolves.toBe(3);
  });

  it('drops a connection whose outbound buffer passes the limit instead of queueing without bound', async () => {
    const server = new RpcServer({ maxBufferedBytes: 1000 });
    const impl = new Demo();
    server.serveChannel(DemoChannel, impl);
    const [a, b] = createMemoryPortPair();
    let buffered = 0;
    let closed: string | undefined;
    const slow: IMessagePort = {
      ...b,
      send: (f) => {
        buffered += f.length; // Nothing is ever drained: a client that stopped reading.
        b.send(f);
      },
      get bufferedAmount() {
        return buffered;
      },
      close: (code, reason) => {
        closed = `${code} ${reason}`;
        b.close(code, reason);
      },
    };
    server.accept(slow);
    const client = new RpcClient(a);
    createProxy(client, DemoChannel).onDidTick(() => undefined);
    await tick();
    for (let i = 0; i < 100; i++) impl.ticks.fire(i);
    expect(closed).toMatch(/^1008 client too slow/);
    expect(buffered).toBeLessThan(1200);
    await tick();
    expect(server.connectionCount).toBe(0);
  });
});
