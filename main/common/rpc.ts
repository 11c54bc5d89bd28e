import { z } from 'zod';
import type { Event } from './event';
import type { WireError } from './errors';

/**
 * The RPC protocol: JSON text frames over one duplex connection.
 * Client → core: call, cancel, sub, unsub. Core → client: ok, err, ev, end, fatal.
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
