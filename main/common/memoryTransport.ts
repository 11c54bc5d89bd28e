import { Emitter } from './event';
import type { IMessagePort } from './rpc';

/**
 * Two connected in-memory ports. Frames are delivered asynchronously (like a socket), as strings, so
 * tests exercise the same serialisation as the WebSocket transport.
 */
export function createMemoryPortPair(): [IMessagePort, IMessagePort] {
  const mk = () => ({ msg: new Emitter<string>(), close: new Emitter<{ code?: number; reason?: string }>(), open: true });
  const a = mk();
  const b = mk();
  const port = (self: ReturnType<typeof mk>, other: ReturnType<typeof mk>): IMessagePort => ({
    send(frame) {
      if (!self.open) return;
      queueMicrotask(() => other.open && other.msg.fire(frame));
    },
    onMessage: self.msg.event,
    onClose: self.close.event,
    bufferedAmount: 0,
    close(code, reason) {
      if (!self.open) return;
      self.open = false;
      other.open = false;
      queueMicrotask(() => {
        self.close.fire({ code, reason });
        other.close.fire({ code, reason });
      });
    },
  });
  return [port(a, b), port(b, a)];
}
