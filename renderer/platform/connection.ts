import { backoffDelay, exponentialSchedule } from '../../main/common/backoff';
import { Emitter } from '../../main/common/event';
import { AppError, ErrorCode } from '../../main/common/errors';
import { RpcClient } from '../../main/common/rpcClient';
import { socketPort } from '../../main/common/socketPort';
import { getDesktopHost } from './desktopBridge';

/** Reconnect delays: 200 ms doubling to 5 s. */
const RECONNECT_SCHEDULE = exponentialSchedule(200, 5000);

/** Where the renderer stands with the core. */
export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'unauthorised';

const RPC_PROTOCOL = 'lathe.v1';

/**
 * The renderer's one connection to the core. Proxies made from `client` survive reconnects: a dropped
 * socket is retried with backoff and live subscriptions are replayed on the new one.
 */
export class CoreConnection {
  /** A panel that calls while the page is still connecting (or reconnecting) waits for the socket, up to 15 s. */
  readonly client = new RpcClient(undefined, { connectWaitMs: 15_000 });
  private readonly _onDidChangeState = new Emitter<ConnectionState>();
  /** Fires on every state change. */
  readonly onDidChangeState = this._onDidChangeState.event;
  private _state: ConnectionState = 'connecting';
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  constructor(private readonly baseUrl: string = location.origin) {}

  /** The current state. */
  get state(): ConnectionState {
    return this._state;
  }

  /** Opens the socket (and keeps reopening it until stopped). */
  start(): void {
    void this.open();
  }

  /** Closes for good. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.client.dispose();
  }

  private setState(s: ConnectionState): void {
    if (s === this._state) return;
    this._state = s;
    this._onDidChangeState.fire(s);
  }

  private async open(): Promise<void> {
    const url = new URL('/rpc', this.baseUrl);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const protocols = [RPC_PROTOCOL];
    // In the desktop app the token comes over IPC from the shell; in a browser the session cookie carries it.
    const desktop = getDesktopHost();
    if (desktop) protocols.push('lathe.bearer.' + (await desktop.getConnectionToken()));
    const ws = new WebSocket(url, protocols);
    let opened = false;
    ws.addEventListener('open', () => {
      opened = true;
      this.attempt = 0;
      this.client.setPort(socketPort(ws));
      this.setState('connected');
    });
    ws.addEventListener('close', () => {
      if (this.stopped) return;
      void this.afterClose(opened);
    });
  }

  private async afterClose(wasOpen: boolean): Promise<void> {
    // A refused upgrade looks like any other failure to a browser: ask the server whether our session is still valid.
    if (!wasOpen && !getDesktopHost()) {
      try {
        const r = await fetch(new URL('/', this.baseUrl), { method: 'HEAD', cache: 'no-store' });
        if (r.status === 401) {
          this.setState('unauthorised');
          this.client.failWaiting(new AppError(ErrorCode.Unauthorized, 'This session is not authorised by the Lathe core; open Lathe again from the URL with its token.'));
          return;
        }
      } catch {
        // Server down: keep retrying below.
      }
    }
    this.setState('reconnecting');
    const delay = backoffDelay(RECONNECT_SCHEDULE, ++this.attempt);
    this.timer = setTimeout(() => void this.open(), delay);
  }
}
