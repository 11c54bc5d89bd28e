import { z } from 'zod';
import type { Event } from './event';
import type { WireError } from './errors';

/**
 * The RPC protocol: JSON text frames over one duplex connection.
 * Client → core: call, cancel, sub, unsub. Core → client: ok, err, ev, end, fatal.
 * An event carrying bulk text (a log chunk's `text`, terminal `data`) may travel as a raw-tail frame, see
 * encodeServerFrame: escaping megabytes of log lines into JSON and parsing them back cost more than the rest
 * of the stream's path.
 */

/** The largest frame either side accepts, in bytes; larger frames close the connection with code 1009. */
export const MAX_FRAME_BYTES = 16 * 1024 * 1024;

/** A client past this many queued outbound bytes is too slow or gone; the core drops its connection. */
export const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;

/** Schema of every frame a client may send; anything else is rejected with BAD_REQUEST. */
export const ClientFrameSchema = z.discriminatedUnion('t', [
  z.object({ t: z.literal('call'), id: z.number().int().nonnegative(), ch: z.string().min(1), m: z.string().min(1), a: z.array(z.unknown()) }),
  z.object({ t: z.literal('cancel'), id: z.number().int().nonnegative() }),
  z.object({ t: z.literal('sub'), id: z.number().int().nonnegative(), ch: z.string().min(1), e: z.string().min(1), a: z.unknown().optional() }),
  z.object({ t: z.literal('unsub'), id: z.number().int().nonnegative() }),
]);
/** A frame sent by a client. */
export type ClientFrame = z.infer<typeof ClientFrameSchema>;

const isId = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const isName = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

/**
 * The hot-path check of a client frame, equivalent to ClientFrameSchema (a test holds them to the same
 * verdicts): every RPC call passes here, and a zod union costs more than the rest of the dispatch.
 * Returns undefined when the frame is malformed; the caller then asks the schema for the message.
 */
export function parseClientFrame(v: unknown): ClientFrame | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const f = v as Record<string, unknown>;
  switch (f.t) {
    case 'call':
      return isId(f.id) && isName(f.ch) && isName(f.m) && Array.isArray(f.a) ? { t: 'call', id: f.id, ch: f.ch, m: f.m, a: f.a } : undefined;
    case 'cancel':
    case 'unsub':
      return isId(f.id) ? { t: f.t, id: f.id } : undefined;
    case 'sub':
      return isId(f.id) && isName(f.ch) && isName(f.e) ? { t: 'sub', id: f.id, ch: f.ch, e: f.e, a: f.a } : undefined;
    default:
      return undefined;
  }
}

/** A frame sent by the core. `fatal` answers a frame that could not be tied to a request id. */
export type ServerFrame =
  | { t: 'ok'; id: number; v?: unknown }
  | { t: 'err'; id: number; e: WireError }
  | { t: 'ev'; id: number; v: unknown }
  | { t: 'end'; id: number; e?: WireError }
  | { t: 'fatal'; e: WireError };

/** Event fields that travel unescaped after the header when they are long. */
const RAW_FIELDS = ['text', 'data'] as const;
/** Shorter strings stay in the JSON (the split is not worth it). */
const RAW_MIN_CHARS = 16 * 1024;
/** First character of a raw-tail frame; JSON frames start with `{`. */
const RAW_MARK = '\u0001';

/**
 * Encodes a core frame. An `ev` frame whose value has a long `text` or `data` string becomes a raw-tail frame:
 * `\u0001` + the JSON frame with that field emptied and `x` naming it + `\u0000` + the string itself. The JSON
 * part never holds a raw NUL (JSON escapes control characters), so the first NUL ends it; the tail may hold anything.
 */
export function encodeServerFrame(frame: ServerFrame): string {
  if (frame.t === 'ev' && typeof frame.v === 'object' && frame.v !== null) {
    const v = frame.v as Record<string, unknown>;
    for (const k of RAW_FIELDS) {
      const s = v[k];
      if (typeof s === 'string' && s.length >= RAW_MIN_CHARS) return `${RAW_MARK}${JSON.stringify({ ...frame, v: { ...v, [k]: '' }, x: k })}\u0000${s}`;
    }
  }
  return JSON.stringify(frame);
}

/** Decodes what encodeServerFrame made; throws SyntaxError on a frame that is neither. */
export function decodeServerFrame(raw: string): ServerFrame {
  if (raw.charCodeAt(0) !== 1) return JSON.parse(raw) as ServerFrame;
  const cut = raw.indexOf('\u0000');
  if (cut < 0) throw new SyntaxError('a raw-tail frame without its separator');
  const f = JSON.parse(raw.slice(1, cut)) as { t: 'ev'; id: number; v: Record<string, unknown>; x?: unknown };
  if (f.t !== 'ev' || typeof f.v !== 'object' || f.v === null || !RAW_FIELDS.includes(f.x as (typeof RAW_FIELDS)[number])) throw new SyntaxError('a raw-tail frame that names no field');
  f.v[f.x as string] = raw.slice(cut + 1);
  return { t: 'ev', id: f.id, v: f.v };
}

/** One end of a connected, ordered, reliable message pipe carrying text frames. */
export interface IMessagePort {
  /** Sends one frame. */
  send(frame: string): void;
  /** Fires for each frame received. */
  readonly onMessage: Event<string>;
  /** Fires once when the connection is gone. */
  readonly onClose: Event<{ code?: number; reason?: string }>;
  /** Bytes queued but not yet written, where the transport can tell (WebSocket); used for back-pressure. */
  readonly bufferedAmount?: number;
  /** Closes the connection. */
  close(code?: number, reason?: string): void;
}

/** What a service method receives as its last argument when called over RPC. */
export interface CallContext {
  /** Aborted when the caller cancels (reason: AppError CANCELLED) or disconnects (reason: AppError DISCONNECTED). */
  readonly signal?: AbortSignal;
  /** Identifies the connection, so services can keep per-client state (acks, attachments). */
  readonly clientId?: string;
}

type AnyFn = (...args: never[]) => unknown;
/** Contract members named onDid…/onWill… are events; everything else that is a function is a method. */
export type EventNames<T> = { [K in keyof T & string]: K extends `onDid${string}` | `onWill${string}` ? K : never }[keyof T & string];
/** The names of a contract's methods. */
export type MethodNames<T> = { [K in keyof T & string]: K extends EventNames<T> ? never : T[K] extends AnyFn ? K : never }[keyof T & string];

/**
 * A channel's allowlist: its name, one zod schema per positional argument of each method, and for each
 * event either null (a plain `Event<T>` property) or the schema of the argument of a parameterised event
 * (a method `onDidX(arg): Event<T>`). Only what is listed here can be called.
 */
export interface ChannelSpec<T> {
  readonly name: string;
  readonly methods: { readonly [K in MethodNames<T>]: readonly z.ZodType[] };
  readonly events: { readonly [K in EventNames<T>]: z.ZodType | null };
}

/** Checks a spec against its contract type at compile time and returns it unchanged. */
export function defineChannel<T>(spec: ChannelSpec<T>): ChannelSpec<T> {
  return spec;
}

/** Formats a zod error as "path: message" lines, for messages that name the bad field. */
export function formatZodError(err: z.ZodError): string {
  return err.issues.map((i) => `${i.path.length ? i.path.join('.') : '(value)'}: ${i.message}`).join('; ');
}
