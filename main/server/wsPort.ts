import type { WebSocket } from 'ws';
import { Emitter } from '../common/event';
import { ErrorCode } from '../common/errors';
import type { IMessagePort } from '../common/rpc';

/** Adapts a `ws` WebSocket (server or client side) to the RPC message port. Binary frames are refused. */
export function wsToPort(ws: WebSocket): IMessagePort {
  const message = new Emitter<string>();
  const close = new Emitter<{ code?: number; reason?: string }>();
  ws.on('message', (data, isBinary) => {
    if (isBinary) {
      ws.send(JSON.stringify({ t: 'fatal', e: { code: ErrorCode.BadRequest, message: 'Binary frames are not supported; send JSON text frames.' } }));
      return;
    }
    message.fire(data.toString());
  });
  ws.on('close', (code, reason) => {
    close.fire({ code, reason: reason.toString() });
    message.dispose();
    close.dispose();
  });
  // 'error' precedes 'close' (e.g. a frame over maxPayload closes with 1009); without a listener it would throw.
  ws.on('error', () => undefined);
  return {
    send: (frame) => {
      if (ws.readyState === ws.OPEN) ws.send(frame);
    },
    onMessage: message.event,
    onClose: close.event,
    get bufferedAmount() {
      return ws.bufferedAmount;
    },
    close: (code, reason) => ws.close(code ?? 1000, reason),
  };
}
