/** Stable error codes the UI and CLI can show and branch on. */
export const ErrorCode = {
  BadRequest: 'BAD_REQUEST',
  InvalidArgument: 'INVALID_ARGUMENT',
  UnknownChannel: 'UNKNOWN_CHANNEL',
  UnknownMethod: 'UNKNOWN_METHOD',
  NotFound: 'NOT_FOUND',
  Unauthorized: 'UNAUTHORIZED',
  Cancelled: 'CANCELLED',
  Disconnected: 'DISCONNECTED',
  FrameTooLarge: 'FRAME_TOO_LARGE',
  Unavailable: 'UNAVAILABLE',
  Internal: 'INTERNAL',
} as const;
export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode] | (string & {});

/** The shape every error takes on the wire. */
export interface WireError {
  code: string;
  message: string;
  detail?: unknown;
}

/** An expected failure (bad input, missing tool, engine down): the message names the problem and the fix. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCodeValue,
    message: string,
    readonly detail?: unknown,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

/** An unexpected failure: a bug in Lathe. Its message is kept generic on the wire. */
export class BugError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BugError';
  }
}

/** Converts anything thrown into its wire form; non-AppErrors become INTERNAL without leaking stack traces. */
export function toWireError(err: unknown): WireError {
  if (err instanceof AppError) {
    return err.detail === undefined ? { code: err.code, message: err.message } : { code: err.code, message: err.message, detail: err.detail };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { code: ErrorCode.Internal, message: `Internal error in the Lathe core: ${message}. This is a bug; the core log has details.` };
}

/** Rebuilds an error received over the wire so callers can `instanceof AppError` and read `code`. */
export function fromWireError(e: WireError): AppError {
  return new AppError(e.code, e.message, e.detail);
}

/** True if `err` is an AppError with the given code. */
export function isAppError(err: unknown, code?: string): err is AppError {
  return err instanceof AppError && (code === undefined || err.code === code);
}
