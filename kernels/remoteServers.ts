import { ServerConnection } from '@jupyterlab/services';
import { createHash } from 'node:crypto';
import { KernelWebSocket } from './nodeWebSocket';
import { AppError, ErrorCode } from '../main/common/errors';
import { Emitter, type IDisposable } from '../main/common/event';
import type { RemoteServerInfo } from '../main/common/kernels';
import type { KernelStore, ServerRow } from './kernelStore';

/** Where remote servers' tokens are kept: the core's encrypted secret store, never plain settings. */
export interface TokenVault {
  get(id: string): string | undefined;
  set(id: string, token: string): void;
  delete(id: string): void;
}

/** Pages of the Jupyter web UIs that can follow a server's base URL in a pasted address. */
const UI_SEGMENTS = new Set(['lab', 'tree', 'notebooks', 'edit', 'terminals', 'doc', 'api', 'view', 'files', 'retro', 'voila', 'login', 'logout']);

/**
 * Reads what users paste: a server's base URL, or any page of it with `?token=` (what `jupyter server list` and
 * JupyterHub print), e.g. `https://hub.example.com/user/alice/lab/tree/a.ipynb?token=…` → base
 * `https://hub.example.com/user/alice/` and the token. Refuses what cannot be a server, saying what to paste instead.
 */
export function parseJupyterUrl(input: string, token?: string): { baseUrl: string; token: string; warning?: string } {
  let u: URL;
  try {
    u = new URL(input.trim());
  } catch {
    throw new AppError(ErrorCode.InvalidArgument, `"${input}" is not a URL. Paste the server's address, e.g. http://gpu-box:8888/?token=… or https://hub.example.com/user/NAME/.`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new AppError(ErrorCode.InvalidArgument, `A Jupyter server URL starts with http:// or https://, not ${u.protocol}//.`);
  if (u.username || u.password) throw new AppError(ErrorCode.InvalidArgument, 'Remove the user name and password from the URL: Jupyter servers take a token, given separately or as ?token=.');
  const segments = u.pathname.split('/').filter(Boolean);
  if (segments[0] === 'hub') throw new AppError(ErrorCode.InvalidArgument, `${u.origin}/hub/… is JupyterHub's own page, not a server. Start your server on the hub and paste its address (…/user/NAME/), with a token from the hub's Token page.`);
  const cut = segments.findIndex((s) => UI_SEGMENTS.has(s));
  const base = cut === -1 ? segments : segments.slice(0, cut);
  const t = (token ?? '').trim() || u.searchParams.get('token') || '';
  if (!t) throw new AppError(ErrorCode.InvalidArgument, 'A token is needed: add ?token=… to the URL or fill in the token field (`jupyter server list` prints it; JupyterHub makes one on its Token page).');
  const baseUrl = `${u.origin}/${base.map((s) => s + '/').join('')}`;
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname);
  return { baseUrl, token: t, ...(u.protocol === 'http:' && !loopback ? { warning: 'Plain http: the token and your code travel unencrypted. Prefer https or an SSH tunnel.' } : {}) };
}

/**
 * The Jupyter servers the user added by URL and token: kept in SQLite (tokens in the vault), probed in the
 * background so a lost server is reported and a returning one is announced (the kernel service reconnects its
 * kernels then). Probing stops on dispose.
 */
export class RemoteServers implements IDisposable {
  private readonly state = new Map<string, Pick<RemoteServerInfo, 'state' | 'detail' | 'version'>>();
  private readonly changed = new Emitter<RemoteServerInfo[]>();
  /** Fires when a server is added or removed, or its state changes. */
  readonly onDidChange = this.changed.event;
  private timer: NodeJS.Timeout | undefined;
  private probing = false;
  private disposed = false;

  constructor(
    private readonly store: KernelStore,
    private readonly vault: TokenVault,
    private readonly options: { probeMs?: number; timeoutMs?: number } = {},
  ) {
    this.timer = setInterval(() => void this.probeAll(), options.probeMs ?? 15_000);
    this.timer.unref();
  }

  list(): RemoteServerInfo[] {
    return this.store.servers().map((r) => this.info(r));
  }

  get(id: string): RemoteServerInfo {
    const r = this.store.server(id);
    if (!r) throw new AppError(ErrorCode.NotFound, `No Jupyter server "${id}". Add it again with its URL and token.`);
    return this.info(r);
  }

  /** Checks the server answers and takes the token, then remembers it. Adding the same base URL again updates its token. */
  async add(o: { url: string; token?: string; name?: string }): Promise<RemoteServerInfo> {
    const { baseUrl, token, warning } = parseJupyterUrl(o.url, o.token);
    const version = await probe(baseUrl, token, this.options.timeoutMs ?? 10_000);
    const id = 'r' + createHash('sha256').update(baseUrl).digest('hex').slice(0, 10);
    const name = o.name?.trim() || new URL(baseUrl).host + new URL(baseUrl).pathname.replace(/\/$/, '');
    this.vault.set(id, token);
    this.store.putServer(id, name, baseUrl, new Date().toISOString());
    this.state.set(id, { state: 'connected', version, ...(warning ? { detail: warning } : {}) });
    this.fire();
    return this.get(id);
  }

  remove(id: string): void {
    this.get(id);
    this.store.deleteServer(id);
    this.vault.delete(id);
    this.state.delete(id);
    this.fire();
  }

  /** Connection settings for @jupyterlab/services in Node (the `ws` WebSocket, token in the socket URL). */
  settings(id: string): ServerConnection.ISettings {
    const s = this.get(id);
    const token = this.vault.get(id);
    if (!token) throw new AppError('JUPYTER_TOKEN_MISSING', `The token of ${s.name} is missing from the secret store. Remove the server and add it again.`);
    return ServerConnection.makeSettings({ baseUrl: s.url, wsUrl: s.url.replace(/^http/, 'ws'), token, appendToken: true, WebSocket: KernelWebSocket as unknown as typeof globalThis.WebSocket });
  }

  /** Probes every server now; resolves when done. State changes fire onDidChange. */
  async probeAll(): Promise<void> {
    if (this.probing) return;
    this.probing = true;
    try {
      let changed = false;
      for (const r of this.store.servers()) {
        const before = this.state.get(r.id);
        let next: Pick<RemoteServerInfo, 'state' | 'detail' | 'version'>;
        try {
          const version = await probe(r.url, this.vault.get(r.id) ?? '', this.options.timeoutMs ?? 10_000);
          if (this.disposed) return; // the core stopped (and closed its database) while this probe was out
          next = { state: 'connected', version, ...(before?.state === 'connected' && before.detail ? { detail: before.detail } : {}) };
        } catch (err) {
          if (this.disposed) return;
          next = { state: (err as AppError).code === 'JUPYTER_TOKEN_REJECTED' ? 'rejected' : 'unreachable', detail: (err as Error).message };
        }
        if (before?.state !== next.state) changed = true;
        this.state.set(r.id, next);
      }
      if (changed) this.fire();
    } finally {
      this.probing = false;
    }
  }

  dispose(): void {
    this.disposed = true;
    clearInterval(this.timer);
    this.changed.dispose();
  }

  private info(r: ServerRow): RemoteServerInfo {
    return { id: r.id, name: r.name, url: r.url, addedAt: r.added_at, ...(this.state.get(r.id) ?? { state: 'unknown' }) };
  }

  private fire(): void {
    if (this.disposed) return;
    this.changed.fire(this.list());
  }
}

/** Asks `api` (unauthenticated: is this Jupyter?) and `api/status` (does it take the token?); resolves with the version. */
async function probe(baseUrl: string, token: string, timeoutMs: number): Promise<string> {
  const get = async (path: string, auth: boolean) => {
    try {
      return await fetch(new URL(path, baseUrl), { headers: auth ? { authorization: `token ${token}` } : {}, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const why = (err as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs / 1000} s` : (cause?.code ?? cause?.message ?? (err as Error).message);
      throw new AppError('JUPYTER_UNREACHABLE', `Cannot reach ${baseUrl} (${why}). Check the address, the network, and that the server is running.`);
    }
  };
  const api = await get('api', false);
  const body = api.ok ? ((await api.json().catch(() => undefined)) as { version?: string } | undefined) : undefined;
  if (!body?.version) throw new AppError('JUPYTER_NOT_A_SERVER', `${baseUrl} does not look like a Jupyter server (GET api answered ${api.status}${api.ok ? ' without a version' : ''}). Use the server's base URL, e.g. http://host:8888/ or https://hub.example.com/user/NAME/.`);
  const status = await get('api/status', true);
  if (status.status === 401 || status.status === 403 || (status.status >= 300 && status.status < 400)) {
    throw new AppError('JUPYTER_TOKEN_REJECTED', `${baseUrl} rejected the token (HTTP ${status.status}). Copy the current token from \`jupyter server list\` or the server's log (JupyterHub: its Token page).`);
  }
  if (!status.ok) throw new AppError('JUPYTER_UNREACHABLE', `${baseUrl} answered HTTP ${status.status} to api/status.`);
  return body.version;
}
