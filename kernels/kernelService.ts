import { KernelAPI, KernelManager, KernelSpecAPI, ServerConnection, type Kernel, type KernelMessage } from '@jupyterlab/services';
import { Emitter, type Event } from '../main/common/event';
import { KernelWebSocket } from './nodeWebSocket';
import { OutputCap, outputChars } from './outputCap';
import { VARIABLES_CODE, toEvent, toSpecs } from './kernelProtocol';
import { AppError, ErrorCode, isAppError } from '../main/common/errors';
import type { CallContext } from '../main/common/rpc';
import type { AddServerOptions, ExecuteRequest, ExecuteResult, IKernelService, JupyterServerStatus, KernelEvent, KernelInfo, KernelSpecInfo, KernelStatus, RemoteServerInfo, VariableInfo } from '../main/common/kernels';
import type { JupyterServerSupervisor } from './jupyterServer';
import type { RemoteServers } from './remoteServers';
import type { KernelStore } from './kernelStore';

/** The supervised server's id in KernelInfo.server and KernelSpecInfo.server. */
export const LOCAL = 'local';

/** How many recent events a kernel keeps for reattaching pages, and how many characters of output at most. */
export const REPLAY_EVENTS = 2000;
export const REPLAY_CHARS = 8 * 1024 * 1024;
/**
 * A cell's output is kept to its first 4 MB and last 1 MB (characters) of stream text: a runaway print of hundreds
 * of MB would otherwise flood the page and make the notebook too big to edit or save. Rich outputs past the head are
 * left out whole. What was left out is said in a note before the tail.
 */
export const LIVE_OUTPUT_HEAD_CHARS = 4 * 1024 * 1024;
export const LIVE_OUTPUT_TAIL_CHARS = 1024 * 1024;

interface KernelRecord {
  conn: Kernel.IKernelConnection;
  /** "local" or a remote server's id. */
  server: string;
  spec: string;
  path?: string;
  events: Emitter<KernelEvent>;
  /** Recent non-status events, oldest first, bounded by REPLAY_EVENTS and REPLAY_CHARS. */
  recent: { e: KernelEvent; size: number }[];
  recentSize: number;
  /** The stdin request waiting for an answer, if any. */
  pendingInput?: { header: KernelMessage.IHeader<'input_request'> };
  /** Executions a crashed core left running (request msg_id → execId): their outputs come in the server's replay. */
  inFlight?: Map<string, string>;
}

/** Optional parts: remote servers, and the store that remembers kernels across core restarts. */
export interface KernelServiceOptions {
  remotes?: RemoteServers;
  store?: KernelStore;
}

/**
 * Kernels on the supervised local Jupyter server and on remote servers the user added, driven through
 * @jupyterlab/services from Node. The core holds the connections, so kernels outlive pages. A local server restart
 * marks its kernels dead and says so; a remote server that drops is reconnected when it answers again, and its
 * kernels (remembered in SQLite) are found again by the next core.
 */
export class KernelService implements IKernelService {
  private manager: KernelManager | undefined;
  private settings: ServerConnection.ISettings | undefined;
  private starting: Promise<ServerConnection.ISettings> | undefined;
  private readonly remoteManagers = new Map<string, Promise<KernelManager>>();
  private readonly kernels = new Map<string, KernelRecord>();
  private restoring: Promise<void> | undefined;
  /**
   * Kernels being reattached right now. A full restore and a per-server one (the server came back) can overlap; two
   * connections with one session id then keep replacing each other on the server, and a cell sent meanwhile gets no
   * reply.
   */
  private readonly reattaching = new Set<string>();
  readonly onDidChangeServer: Event<JupyterServerStatus>;
  readonly onDidChangeRemoteServers: Event<RemoteServerInfo[]>;

  constructor(
    private readonly supervisor: JupyterServerSupervisor,
    private readonly log: { warn(msg: string, f?: Record<string, unknown>): void; info?(msg: string, f?: Record<string, unknown>): void },
    private readonly options: KernelServiceOptions = {},
  ) {
    this.onDidChangeServer = supervisor.onDidChangeState as Event<JupyterServerStatus>;
    supervisor.onDidChangeState((s) => {
      if (s.state !== 'running') this.dropLocal(s.state === 'restarting' ? 'the Jupyter server restarted' : `the Jupyter server is ${s.state}`);
    });
    this.onDidChangeRemoteServers = options.remotes?.onDidChange ?? (() => ({ dispose() {} }));
    options.remotes?.onDidChange((list) => this.onRemotesChanged(list));
  }

  async server(): Promise<JupyterServerStatus> {
    return this.supervisor.state;
  }

  /** Every kernelspec of every reachable server. The local server failing does not hide the remote ones. */
  async specs(): Promise<KernelSpecInfo[]> {
    const remotes = (this.options.remotes?.list() ?? []).filter((r) => r.state !== 'rejected' && r.state !== 'unreachable');
    const results = await Promise.allSettled([this.localSpecs(), ...remotes.map((r) => this.remoteSpecs(r))]);
    const local = results[0];
    if (local.status === 'rejected' && !remotes.length) throw local.reason;
    return results.flatMap((r) => (r.status === 'fulfilled' ? r.value : []));
  }

  async list(): Promise<KernelInfo[]> {
    // A page after a core restart looks for its notebook's kernel here: give reattaching a moment, never a hang.
    await Promise.race([this.restoreSessions(), new Promise((r) => setTimeout(r, 5000).unref())]);
    return [...this.kernels.entries()].map(([id, k]) => this.describe(id, k));
  }

  async start(options: { spec?: string; path?: string; server?: string }): Promise<KernelInfo> {
    const spec = options.spec ?? 'python3';
    const server = options.server ?? this.lastServerFor(options.path) ?? LOCAL;
    const manager = await this.managerFor(server);
    let conn: Kernel.IKernelConnection;
    try {
      // With the notebook's path, jupyter_server starts the kernel in the notebook's folder, as JupyterLab's kernels
      // start (its REST API takes `path`; @jupyterlab/services sends the options as given but types only `name`).
      conn = await manager.startNew({ name: spec, ...(options.path ? { path: options.path } : {}) } as Kernel.IKernelOptions);
    } catch (err) {
      const known = (await this.specs().catch(() => [])).filter((s) => s.server === server).map((s) => s.name);
      // jupyter_server answers an unknown name with a bare 500 ("Unhandled error"): the list of names says it better.
      const reason = known.length && !known.includes(spec) ? 'there is no kernelspec by that name' : kernelStartReason(err);
      throw new AppError('KERNEL_START_FAILED', `Could not start a "${spec}" kernel on ${this.serverName(server)}: ${reason}. Available kernels there: ${known.join(', ') || 'none'}.`);
    }
    const record = this.track(conn, server, spec, options.path);
    const now = new Date().toISOString();
    this.options.store?.rememberSession(conn.id, server, spec, options.path, now, conn.clientId);
    return this.describe(conn.id, record);
  }

  async remoteServers(): Promise<RemoteServerInfo[]> {
    return this.remotes().list();
  }

  async addServer(options: AddServerOptions): Promise<RemoteServerInfo> {
    const info = await this.remotes().add(options);
    // A new token for a known server: connect again with it.
    this.remoteManagers.get(info.id)?.then((m) => m.dispose(), () => undefined);
    this.remoteManagers.delete(info.id);
    return info;
  }

  async removeServer(id: string): Promise<void> {
    this.remotes().remove(id);
    for (const [kid, k] of this.kernels) if (k.server === id) this.forget(kid, k, 'its server was removed from Lathe (the kernel itself goes on running there)');
    this.options.store?.forgetServerSessions(id);
    void this.remoteManagers.get(id)?.then((m) => m.dispose(), () => undefined);
    this.remoteManagers.delete(id);
  }

  async execute(kernelId: string, request: ExecuteRequest, ctx?: CallContext): Promise<ExecuteResult> {
    const k = this.get(kernelId);
    const { execId } = request;
    const future = k.conn.requestExecute({
      code: request.code,
      silent: request.silent ?? false,
      store_history: request.storeHistory ?? !request.silent,
      allow_stdin: request.allowStdin ?? false,
      stop_on_error: request.stopOnError ?? true,
    });
    // Recorded until the reply: if this core dies meanwhile, the next one routes the rest of its outputs to execId.
    const msgId = future.msg.header.msg_id;
    this.options.store?.recordExec(kernelId, msgId, execId);
    const cap = new OutputCap(execId, LIVE_OUTPUT_HEAD_CHARS, LIVE_OUTPUT_TAIL_CHARS);
    future.onIOPub = (msg) => {
      const e = toEvent(execId, msg);
      if (e) for (const x of cap.admit(e)) this.emit(k, x);
    };
    future.onStdin = (msg) => {
      if (msg.header.msg_type !== 'input_request') return;
      const content = msg.content as KernelMessage.IInputRequestMsg['content'];
      k.pendingInput = { header: msg.header as KernelMessage.IHeader<'input_request'> };
      this.emit(k, { type: 'inputRequest', execId, prompt: content.prompt, password: content.password });
    };
    // Cancelling the call interrupts the kernel; a page that merely went away (reload, lost network) does not:
    // the execution goes on and the page sees its outputs when it reattaches.
    const onAbort = () => {
      if (!isAppError(ctx?.signal?.reason, ErrorCode.Disconnected)) void k.conn.interrupt().catch(() => undefined);
    };
    ctx?.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const reply = await future.done;
      // done means the reply and the kernel's idle have both arrived: no more output for this execution.
      for (const x of cap.finish()) this.emit(k, x);
      const c = reply.content as KernelMessage.IExecuteReplyMsg['content'];
      const out: ExecuteResult = { status: c.status === 'abort' ? 'aborted' : c.status, executionCount: 'execution_count' in c ? c.execution_count : null };
      if (c.status === 'error') Object.assign(out, { ename: c.ename, evalue: c.evalue });
      return out;
    } catch (err) {
      // Which of the two happened decides what the user can do: a dead kernel comes back (restarted by the server),
      // a lost server takes its kernels with it.
      const serverLost = k.server === LOCAL && this.supervisor.state.state !== 'running';
      throw new AppError(
        'KERNEL_DIED',
        serverLost
          ? `The Jupyter server stopped while the code ran (${(err as Error).message}), and this kernel went with it; its variables are lost. Lathe is starting the server again: start a new kernel once it is back.`
          : `The kernel stopped before the code finished (${(err as Error).message}). If it died, the server restarts it; its variables are lost.`,
      );
    } finally {
      ctx?.signal?.removeEventListener('abort', onAbort);
      k.pendingInput = undefined;
      this.options.store?.forgetExec(msgId);
    }
  }

  async variables(kernelId: string): Promise<VariableInfo[]> {
    const k = this.get(kernelId);
    // Silent, with the answer in user_expressions: nothing reaches outputs, history or the execution count.
    const future = k.conn.requestExecute({ code: VARIABLES_CODE, silent: true, store_history: false, user_expressions: { v: '_lathe_variables()' } });
    const reply = (await future.done).content as KernelMessage.IExecuteReplyMsg['content'] & { user_expressions?: Record<string, { status: string; data?: Record<string, string>; evalue?: string }> };
    const v = reply.user_expressions?.v;
    if (reply.status !== 'ok' || v?.status !== 'ok' || !v.data) {
      throw new AppError('VARIABLES_UNAVAILABLE', `The kernel could not list its variables${v?.evalue ? `: ${v.evalue}` : ''}. Only Python kernels are supported.`);
    }
    const json = (v.data as Record<string, unknown>)['application/json'];
    if (!Array.isArray(json)) throw new AppError('VARIABLES_UNAVAILABLE', 'The kernel answered the variables request without JSON; its IPython may be too old.');
    return (json as VariableInfo[]).map((x) => (x.shape === null ? { name: x.name, type: x.type, summary: x.summary } : x));
  }

  async inputReply(kernelId: string, value: string): Promise<void> {
    const k = this.get(kernelId);
    if (!k.pendingInput) throw new AppError(ErrorCode.BadRequest, 'The kernel is not waiting for input.');
    k.conn.sendInputReply({ status: 'ok', value }, k.pendingInput.header);
    k.pendingInput = undefined;
  }

  async interrupt(kernelId: string): Promise<void> {
    await this.get(kernelId).conn.interrupt();
  }

  /**
   * Restarts and resolves only once the new kernel is reachable on both channels: a kernel_info reply (shell)
   * and a status message (iopub). Code sent before iopub is subscribed can run without its outputs or its
   * idle ever arriving, which left "restart and run all" hanging now and then.
   */
  async restart(kernelId: string): Promise<void> {
    const { conn } = this.get(kernelId);
    await conn.restart();
    const deadline = Date.now() + 60_000;
    for (;;) {
      const sawIdle = new Promise<boolean>((resolve) => {
        const onStatus = (_: unknown, st: string) => {
          if (st === 'idle') {
            conn.statusChanged.disconnect(onStatus);
            resolve(true);
          }
        };
        conn.statusChanged.connect(onStatus);
        setTimeout(() => (conn.statusChanged.disconnect(onStatus), resolve(false)), 2000).unref();
      });
      // kernel_info makes the kernel publish busy then idle on iopub; seeing idle proves iopub is live.
      void conn.requestKernelInfo().catch(() => undefined);
      if (await sawIdle) return;
      if (Date.now() > deadline) throw new AppError('KERNEL_RESTART_TIMEOUT', 'The kernel did not come back within 60 s of a restart. Restart it again, or start a new one.');
    }
  }

  async shutdown(kernelId: string): Promise<void> {
    const k = this.get(kernelId);
    this.kernels.delete(kernelId);
    this.options.store?.forgetSession(kernelId);
    try {
      await k.conn.shutdown();
    } finally {
      await settled(k.conn);
      k.conn.dispose();
      k.events.dispose();
    }
  }

  onDidKernelEvent(arg: { kernelId: string }): Event<KernelEvent> {
    const k = this.get(arg.kernelId);
    return (listener) => {
      for (const { e } of k.recent) listener(e);
      listener({ type: 'status', status: k.conn.status as KernelStatus });
      return k.events.event(listener);
    };
  }

  /**
   * After a reconnect (e.g. the server auto-restarted a dead kernel) @jupyterlab/services may send its
   * kernel_info request before the server's ZMQ subscriptions are up, miss the status messages and leave
   * the status "unknown" though the kernel is ready (its own FIXME says so). Ask again until it answers.
   */
  private async probeUntilKnown(conn: Kernel.IKernelConnection): Promise<void> {
    for (let attempt = 0; attempt < 10 && !conn.isDisposed; attempt++) {
      await new Promise((r) => setTimeout(r, 1000));
      if (conn.isDisposed || conn.status !== 'unknown' || conn.connectionStatus !== 'connected') return;
      await Promise.race([conn.requestKernelInfo().catch(() => undefined), new Promise((r) => setTimeout(r, 2000))]);
    }
  }

  /** Delivers an event and keeps it for pages that attach later (status events are not kept: the current one is sent on attach). */
  private emit(k: KernelRecord, e: KernelEvent): void {
    const size = e.type === 'output' || e.type === 'updateDisplay' ? outputChars(e.output) : 64;
    k.recent.push({ e, size });
    k.recentSize += size;
    while (k.recent.length > REPLAY_EVENTS || (k.recentSize > REPLAY_CHARS && k.recent.length > 1)) k.recentSize -= k.recent.shift()!.size;
    k.events.fire(e);
  }

  /**
   * On core exit: shuts the local kernels down and stops the local server. Kernels on remote servers keep running
   * (a notebook there may train for hours); the next core finds them again through kernel_sessions.
   */
  async shutdownAll(): Promise<void> {
    const local = [...this.kernels].filter(([, k]) => k.server === LOCAL).map(([id]) => id);
    await Promise.all(local.map((id) => this.shutdown(id).catch(() => undefined)));
    for (const [, k] of this.kernels) {
      await settled(k.conn);
      k.conn.dispose();
      k.events.dispose();
    }
    this.kernels.clear();
    this.manager?.dispose();
    for (const m of this.remoteManagers.values()) void m.then((x) => x.dispose(), () => undefined);
    this.remoteManagers.clear();
    await this.supervisor.stop();
  }

  dispose(): void {
    void this.shutdownAll();
  }

  private describe(id: string, k: KernelRecord): KernelInfo {
    return { id, spec: k.spec, server: k.server, status: statusOf(k), ...(k.path ? { path: k.path } : {}) };
  }

  private get(id: string): KernelRecord {
    const k = this.kernels.get(id);
    if (!k) throw new AppError(ErrorCode.NotFound, `No kernel "${id}". It may have been shut down or lost with a server restart; start a new one.`);
    return k;
  }

  private ensureServer(): Promise<ServerConnection.ISettings> {
    if (this.supervisor.state.state === 'running' && this.settings && this.manager) return Promise.resolve(this.settings);
    this.starting ??= (async () => {
      try {
        const info = this.supervisor.state.state === 'running' ? this.supervisor.info : await this.supervisor.start();
        // In Node, @jupyterlab/services needs the `ws` WebSocket; the token rides in the socket URL (appendToken).
        this.settings = ServerConnection.makeSettings({ baseUrl: info.url, wsUrl: info.url.replace(/^http/, 'ws'), token: info.token, appendToken: true, WebSocket: KernelWebSocket as unknown as typeof globalThis.WebSocket });
        this.manager = new KernelManager({ serverSettings: this.settings });
        await this.manager.ready;
        return this.settings;
      } finally {
        this.starting = undefined;
      }
    })();
    return this.starting;
  }

  private dropLocal(why: string): void {
    for (const [id, k] of this.kernels) if (k.server === LOCAL) this.forget(id, k, why);
    this.options.store?.forgetServerSessions(LOCAL);
    this.manager?.dispose();
    this.manager = undefined;
    this.settings = undefined;
  }

  /** Marks a kernel dead for its pages and lets go of it. */
  private forget(id: string, k: KernelRecord, why: string): void {
    this.log.warn(`kernel ${id} lost: ${why}`);
    k.events.fire({ type: 'status', status: 'dead' });
    k.conn.dispose();
    k.events.dispose();
    this.kernels.delete(id);
  }

  /** Wires a kernel connection's status into its record's events. */
  private track(conn: Kernel.IKernelConnection, server: string, spec: string, path: string | undefined): KernelRecord {
    const record: KernelRecord = { conn, server, spec, path, events: new Emitter<KernelEvent>(), recent: [], recentSize: 0 };
    this.kernels.set(conn.id, record);
    conn.statusChanged.connect(() => record.events.fire({ type: 'status', status: statusOf(record) }));
    // Outputs of an execution the last core started: jupyter_server kept them while no one was connected with this
    // session id and replays them now; they go to subscribers under the execId the page knows.
    conn.iopubMessage.connect((_, msg) => {
      const parent = (msg.parent_header as { msg_id?: string } | undefined)?.msg_id;
      const execId = parent ? record.inFlight?.get(parent) : undefined;
      if (!parent || !execId) return;
      if (msg.header.msg_type === 'status' && (msg.content as { execution_state?: string }).execution_state === 'idle') {
        record.inFlight!.delete(parent);
        this.options.store?.forgetExec(parent);
        record.events.fire({ type: 'status', status: statusOf(record) });
        return;
      }
      const e = toEvent(execId, msg);
      if (e) this.emit(record, e);
    });
    conn.connectionStatusChanged.connect((_, c) => {
      if (c === 'disconnected') record.events.fire({ type: 'status', status: 'disconnected' });
      if (c === 'connected') void this.probeUntilKnown(conn);
    });
    return record;
  }

  private remotes(): RemoteServers {
    if (!this.options.remotes) throw new AppError('REMOTE_SERVERS_UNAVAILABLE', 'This core was started without remote server support.');
    return this.options.remotes;
  }

  private serverName(server: string): string {
    if (server === LOCAL) return 'this machine';
    try {
      return this.remotes().get(server).name;
    } catch {
      return server;
    }
  }

  /** The server a notebook last ran on, if it is still known. */
  private lastServerFor(path: string | undefined): string | undefined {
    const server = path ? this.options.store?.lastServerFor(path) : undefined;
    if (!server || server === LOCAL) return server;
    return this.options.remotes?.list().some((r) => r.id === server) ? server : undefined;
  }

  private async managerFor(server: string): Promise<KernelManager> {
    if (server === LOCAL) {
      await this.ensureServer();
      return this.manager!;
    }
    let m = this.remoteManagers.get(server);
    if (!m) {
      const settings = this.remotes().settings(server);
      m = (async () => {
        const manager = new KernelManager({ serverSettings: settings });
        await manager.ready;
        return manager;
      })();
      this.remoteManagers.set(server, m);
      m.catch(() => this.remoteManagers.delete(server));
    }
    return m;
  }

  private async localSpecs(): Promise<KernelSpecInfo[]> {
    return toSpecs(await KernelSpecAPI.getSpecs(await this.ensureServer()), LOCAL, 'This machine');
  }

  private async remoteSpecs(r: RemoteServerInfo): Promise<KernelSpecInfo[]> {
    return toSpecs(await KernelSpecAPI.getSpecs(this.remotes().settings(r.id)), r.id, r.name);
  }

  /**
   * Finds the kernels a previous core left running (once; again when a remote server comes back): on remote
   * servers, and on the local server when that core crashed and its server lives on to be adopted. Kernels that
   * are gone are forgotten.
   */
  restoreSessions(only?: string): Promise<void> {
    const store = this.options.store;
    if (!store) return Promise.resolve();
    if (!only && this.restoring) return this.restoring;
    const run = (async () => {
      for (const row of store.sessions()) {
        if (this.kernels.has(row.kernel_id) || this.reattaching.has(row.kernel_id) || (only && row.server !== only)) continue;
        if (row.server !== LOCAL && !this.options.remotes?.list().some((r) => r.id === row.server)) {
          store.forgetSession(row.kernel_id);
          continue;
        }
        this.reattaching.add(row.kernel_id);
        try {
          const manager = await this.managerFor(row.server);
          const model = await KernelAPI.getKernelModel(row.kernel_id, manager.serverSettings);
          if (!model) {
            store.forgetSession(row.kernel_id);
            continue;
          }
          // The same session id as the core that started it: the server then replays what it kept while we were gone.
          const record = this.track(manager.connectTo({ model, ...(row.client_id ? { clientId: row.client_id } : {}) }), row.server, row.spec, row.path ?? undefined);
          const inFlight = store.execsInFlight(row.kernel_id);
          if (inFlight.size) {
            record.inFlight = inFlight;
            // Its "busy" went to the core that died; until the kernel says more, it is running those cells.
            record.events.fire({ type: 'status', status: statusOf(record) });
          }
          this.log.info?.(`reattached to kernel ${row.kernel_id} on ${this.serverName(row.server)}`);
        } catch (err) {
          // Unreachable now: keep the row, try again when the server is back.
          this.log.warn(`kernel ${row.kernel_id} on ${this.serverName(row.server)} not reachable yet: ${(err as Error).message}`);
        } finally {
          this.reattaching.delete(row.kernel_id);
        }
      }
    })();
    if (!only) this.restoring = run;
    return run;
  }

  /** A remote server came back: reconnect its kernels' sockets and look for kernels not found before. */
  private onRemotesChanged(list: RemoteServerInfo[]): void {
    for (const r of list) {
      if (r.state !== 'connected') continue;
      // "connecting" too: after a network error @jupyterlab/services waits 10–30 s before it even asks the server
      // again; the probe has just seen the server answer, so try now (one connection object, so one socket).
      for (const k of this.kernels.values()) if (k.server === r.id && k.conn.connectionStatus !== 'connected' && !k.conn.isDisposed) void k.conn.reconnect().catch(() => undefined);
      void this.restoreSessions(r.id);
    }
  }
}

/**
 * Why jupyter_server refused to start a kernel, in a sentence: its error answers carry a Python traceback, which is
 * noise for an expected failure (an unknown kernel name) and is never shown; the last line says what happened.
 */
export function kernelStartReason(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  if (/NoSuchKernel|No such kernel/i.test(text)) return 'there is no kernelspec by that name';
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  const tb = lines.findIndex((l) => l.startsWith('Traceback (most recent call last)'));
  if (tb === -1) return lines[0] ?? 'no reason given';
  const last = lines.slice(tb).filter((l) => !l.startsWith('File ') && !l.startsWith('Traceback') && !/^\s*\^+$/.test(l)).at(-1);
  return [lines.slice(0, tb).join(' '), last].filter(Boolean).join(': ') || 'no reason given';
}

/**
 * Waits (at most 3 s) for a connection that is reconnecting to get somewhere. After a kernel dies the server
 * restarts it and @jupyterlab/services reconnects on its own, in a promise nobody awaits: disposing the connection
 * then rejects that promise, unhandled, and takes a CLI process down.
 */
function settled(conn: Kernel.IKernelConnection): Promise<void> {
  if (conn.isDisposed || conn.connectionStatus !== 'connecting') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      conn.connectionStatusChanged.disconnect(onChange);
      resolve();
    };
    const onChange = (_: unknown, status: Kernel.ConnectionStatus) => status !== 'connecting' && done();
    const timer = setTimeout(done, 3000);
    conn.connectionStatusChanged.connect(onChange);
  });
}

/**
 * A kernel's status for clients. After a reattach the connection knows nothing until the kernel publishes a status,
 * and a kernel in the middle of a cell publishes none until the cell ends: with executions of the last core still in
 * flight, it is busy.
 */
function statusOf(k: KernelRecord): KernelStatus {
  if (k.conn.isDisposed) return 'dead';
  const s = k.conn.status as KernelStatus;
  return k.inFlight?.size && (s === 'unknown' || s === 'starting') ? 'busy' : s;
}
