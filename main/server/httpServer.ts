import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { MAX_FRAME_BYTES } from '../common/rpc';
import type { RpcServer } from '../common/rpcServer';
import type { Logger } from '../base/node/logger';
import { RPC_PROTOCOL, RequestGuard, bearerOf, isAuthorized, secretsEqual, sessionCookieName, sessionValue } from './auth';
import { notAuthorisedPage } from './pages';
import { serveStatic } from './staticFiles';
import { wsToPort } from './wsPort';

/** The RPC endpoint's path. */
export const RPC_PATH = '/rpc';

/** Configuration of the HTTP + WebSocket front. */
export interface HttpFrontConfig {
  token: string;
  bindHost: string;
  staticDir: string;
  extraOrigins?: readonly string[];
  /** API routes beside the UI (e.g. the env registry), by path prefix. */
  routes?: readonly HttpRoute[];
}

/** An HTTP API served by a core service. */
export interface HttpRoute {
  prefix: string;
  handle(req: IncomingMessage, res: ServerResponse, subpath: string): Promise<void>;
}

/**
 * One handler for HTTP and WebSocket upgrades, shared by the TCP listener (token required) and the
 * local socket listener (trusted by file permissions: only the same OS user can open it).
 */
export class HttpFront {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES, handleProtocols: (p) => (p.has(RPC_PROTOCOL) ? RPC_PROTOCOL : false) });
  private readonly guard: RequestGuard;
  private readonly servers: Server[] = [];
  port = 0;

  constructor(
    private readonly config: HttpFrontConfig,
    private readonly rpc: RpcServer,
    private readonly log: Logger,
  ) {
    this.guard = new RequestGuard(config.bindHost, config.extraOrigins);
  }

  /** Creates a listener-less server; `trusted` skips the token (local socket only). */
  createServer(trusted: boolean): Server {
    const server = createServer((req, res) => this.onRequest(req, res, trusted));
    server.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket, head, trusted));
    server.on('clientError', (_err, socket) => socket.destroy());
    this.servers.push(server);
    return server;
  }

  /** Closes every listener and socket. */
  async dispose(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    this.wss.close();
    await Promise.all(
      this.servers.map(
        (s) =>
          new Promise<void>((r) => {
            s.close(() => r());
            s.closeAllConnections();
          }),
      ),
    );
  }

  private onRequest(req: IncomingMessage, res: ServerResponse, trusted: boolean): void {
    const url = new URL(req.url ?? '/', 'http://x');
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('referrer-policy', 'no-referrer');
    res.setHeader('x-frame-options', 'DENY');
    const route = this.config.routes?.find((r) => url.pathname.startsWith(r.prefix));
    if (route) return this.onApi(route, req, res, url, trusted);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end('Method not allowed');
      return;
    }
    if (url.pathname === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end('{"ok":true}');
      return;
    }
    if (!trusted && !this.guard.hostAllowed(req)) {
      res.writeHead(403, { 'content-type': 'text/plain' }).end('Host not allowed: open Lathe through 127.0.0.1 or localhost.');
      return;
    }
    const given = url.searchParams.get('token');
    if (!trusted && given !== null) {
      if (!secretsEqual(given, this.config.token)) return this.unauthorised(res, 'wrong token in URL');
      // Trade the URL token for an HttpOnly cookie and drop it from the address bar and history.
      url.searchParams.delete('token');
      res.writeHead(303, {
        'set-cookie': `${sessionCookieName(this.port)}=${sessionValue(this.config.token)}; HttpOnly; SameSite=Strict; Path=/`,
        location: url.pathname + url.search,
        'cache-control': 'no-store',
      });
      res.end();
      return;
    }
    if (!trusted && !isAuthorized(req, this.config.token, this.port)) return this.unauthorised(res, 'no valid token');
    serveStatic(this.config.staticDir, req, res, url.pathname);
  }

  /**
   * API routes take the token in the Authorization header only, never the session cookie: a page on another site
   * cannot make a browser send that header, so it cannot call them.
   */
  private onApi(route: HttpRoute, req: IncomingMessage, res: ServerResponse, url: URL, trusted: boolean): void {
    const json = (status: number, code: string, message: string) => res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify({ code, message }));
    if (!trusted && !this.guard.hostAllowed(req)) return void json(403, 'FORBIDDEN', 'Host not allowed.');
    const bearer = bearerOf(req);
    if (!trusted && (bearer === undefined || !secretsEqual(bearer, this.config.token))) {
      this.log.warn(`refused API request to ${route.prefix}: ${bearer === undefined ? 'no token' : 'wrong token'}`);
      return void json(401, 'UNAUTHORISED', 'A valid token is needed in the Authorization header (Bearer TOKEN).');
    }
    // Routes decode their path segments; a malformed escape or a NUL is the client's mistake, answered before them.
    let decoded: string;
    try {
      decoded = decodeURIComponent(url.pathname);
    } catch {
      return void json(400, 'INVALID_ARGUMENT', `The path ${url.pathname} has a malformed percent-escape (a % must be followed by two hex digits).`);
    }
    if (decoded.includes('\0')) return void json(400, 'INVALID_ARGUMENT', 'The path holds a NUL character (%00), which no file or name may contain.');
    route.handle(req, res, url.pathname.slice(route.prefix.length)).catch((err: Error) => {
      this.log.error(`API ${route.prefix} failed`, { err });
      if (!res.headersSent) json(500, 'INTERNAL', `The request failed: ${err.message}`);
      else res.destroy();
    });
  }

  private unauthorised(res: ServerResponse, why: string): void {
    this.log.warn(`refused HTTP request: ${why}`);
    res.writeHead(401, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(notAuthorisedPage());
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, trusted: boolean): void {
    const refuse = (status: number, text: string) => {
      this.log.warn(`refused WebSocket upgrade: ${text}`);
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`);
    };
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path !== RPC_PATH) return refuse(404, 'Not Found');
    if (!trusted) {
      if (!this.guard.hostAllowed(req)) return refuse(403, 'Host not allowed');
      if (!this.guard.originAllowed(req)) return refuse(403, 'Origin not allowed');
      if (!isAuthorized(req, this.config.token, this.port)) return refuse(401, 'Unauthorized');
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.rpc.accept(wsToPort(ws));
    });
  }
}
