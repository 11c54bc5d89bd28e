import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { BlockList, isIPv4, isIPv6 } from 'node:net';

/** The WebSocket subprotocol Lathe speaks; a client may also offer `lathe.bearer.<token>` to authenticate. */
export const RPC_PROTOCOL = 'lathe.v1';
const BEARER_PROTOCOL_PREFIX = 'lathe.bearer.';

/** A fresh per-launch token: 256 random bits, URL-safe. */
export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Compares two secrets in constant time (hashing first so lengths never leak or throw). */
export function secretsEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

/** What the browser's session cookie holds: an HMAC of the token, so the token itself never sits in the cookie jar. */
export function sessionValue(token: string): string {
  return createHmac('sha256', token).update('lathe-session-v1').digest('base64url');
}

/** The cookie name; it includes the port because cookies are shared by every port on a host. */
export function sessionCookieName(port: number): string {
  return `lathe_session_${port}`;
}

function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out.set(part.slice(0, i).trim(), part.slice(i + 1).trim());
  }
  return out;
}

/** The bearer token a request carries, from `Authorization` or, on WebSocket upgrades, the subprotocol list. */
export function bearerOf(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  const protocols = req.headers['sec-websocket-protocol'];
  if (typeof protocols === 'string') {
    for (const p of protocols.split(',').map((s) => s.trim())) if (p.startsWith(BEARER_PROTOCOL_PREFIX)) return p.slice(BEARER_PROTOCOL_PREFIX.length);
  }
  return undefined;
}

/** Whether a request proves it knows the token (bearer header, bearer subprotocol or session cookie). */
export function isAuthorized(req: IncomingMessage, token: string, port: number): boolean {
  const bearer = bearerOf(req);
  if (bearer !== undefined) return secretsEqual(bearer, token);
  const cookie = parseCookies(req.headers.cookie).get(sessionCookieName(port));
  return cookie !== undefined && secretsEqual(cookie, sessionValue(token));
}

/** The subprotocol a client offers for carrying its token. */
export function bearerProtocol(token: string): string {
  return BEARER_PROTOCOL_PREFIX + token;
}

/** 127.0.0.0/8, ::1 and IPv4-mapped 127.x (::ffff:127.0.0.0/104). */
const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');
LOOPBACK.addSubnet('::ffff:127.0.0.0', 104, 'ipv6');

/**
 * Whether a host name or address is loopback: `localhost` (any case), an IPv4 address in 127.0.0.0/8 or the IPv6
 * loopback (bracketed or not). A name that merely starts like one (`127.0.0.1.evil.example`) is not.
 */
export function isLoopback(host: string): boolean {
  const h = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (h.toLowerCase() === 'localhost') return true;
  if (isIPv4(h)) return LOOPBACK.check(h, 'ipv4');
  if (isIPv6(h)) return LOOPBACK.check(h, 'ipv6');
  return false;
}

/**
 * The host name of a Host header (`name`, `name:port`, `[v6]`, `[v6]:port`), or undefined when it is not one:
 * anything beyond a host and a numeric port (user info, paths, spaces) makes it no Host at all.
 */
export function hostOfHeader(header: string): string | undefined {
  const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(header);
  return m?.[1];
}

/**
 * Guards against DNS rebinding and cross-site WebSocket hijacking: on a loopback bind the Host header
 * must name a loopback address; a browser's Origin must equal the page's own origin (http://<Host>).
 */
export class RequestGuard {
  constructor(
    private readonly bindHost: string,
    private readonly extraOrigins: readonly string[] = [],
  ) {}

  /** Whether the Host header is acceptable. */
  hostAllowed(req: IncomingMessage): boolean {
    const host = req.headers.host;
    if (!host) return false;
    if (!isLoopback(this.bindHost)) return true;
    const name = hostOfHeader(host);
    return name !== undefined && isLoopback(name);
  }

  /** Whether the Origin header (if any) is the server's own origin or an explicitly allowed one. */
  originAllowed(req: IncomingMessage): boolean {
    const origin = req.headers.origin;
    if (origin === undefined) return true; // Not a browser (CLI, tests); the token still has to be right.
    if (this.extraOrigins.includes(origin)) return true;
    return origin === `http://${req.headers.host}` || origin === `https://${req.headers.host}`;
  }
}
