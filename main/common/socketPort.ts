import { Emitter } from './event';
import type { IMessagePort } from './rpc';

/** What the RPC port needs of a WebSocket: the browser's and `ws`'s both have it. */
export interface WebSocketLike {
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'message', listener: (e: { data: unknown }) => void): void;
  addEventListener(type: 'close', listener: (e: { code: number; reason: string }) => void): void;
  addEventListener(type: 'error', listener: () => void): void;
}

/** WebSocket.OPEN: the same number in every implementation. */
const OPEN = 1;

/**
 * Adapts a WebSocket (a browser's, or `ws` on either side) to the RPC message port. Frames are JSON text; a binary
 * frame is not one, and goes to `onBinary` (the server answers it with a fatal frame), never to the RPC layer.
 */
export function socketPort(ws: WebSocketLike, onBinary: () => void = () => undefined): IMessagePort {
  const message = new Emitter<string>();
  const close = new Emitter<{ code?: number; reason?: string }>();
  ws.addEventListener('message', (e) => {
    if (typeof e.data === 'string') message.fire(e.data);
    else onBinary();
  });
  ws.addEventListener('close', (e) => {
    close.fire({ code: e.code, reason: e.reason });
    message.dispose();
    close.dispose();
  });
  // 'error' precedes 'close' (e.g. a frame over maxPayload closes with 1009); in `ws` an error nobody listens to throws.
  ws.addEventListener('error', () => undefined);
  return {
    send: (frame) => {
      if (ws.readyState === OPEN) ws.send(frame);
    },
    onMessage: message.event,
    onClose: close.event,
    get bufferedAmount() {
      return ws.bufferedAmount;
    },
    close: (code, reason) => ws.close(code ?? 1000, reason),
  };
}
