import { Emitter } from '../../main/common/event';
import type { IMessagePort } from '../../main/common/rpc';

/** Adapts a browser WebSocket to the RPC message port. */
export function browserWsPort(ws: WebSocket): IMessagePort {
  const message = new Emitter<string>();
  const close = new Emitter<{ code?: number; reason?: string }>();
  ws.addEventListener('message', (e) => {
    if (typeof e.data === 'string') message.fire(e.data);
  });
  ws.addEventListener('close', (e) => {
    close.fire({ code: e.code, reason: e.reason });
    message.dispose();
    close.dispose();
  });
  return {
    send: (f) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(f);
    },
    onMessage: message.event,
    onClose: close.event,
    get bufferedAmount() {
      return ws.bufferedAmount;
    },
    close: (code, reason) => ws.close(code ?? 1000, reason),
  };
}
