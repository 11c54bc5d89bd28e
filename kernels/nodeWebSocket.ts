import { WebSocket } from 'ws';

/** Largest kernel message the core accepts (ws's default, 100 MiB, would drop the socket on a big output). */
export const MAX_KERNEL_MESSAGE_BYTES = 1024 * 1024 * 1024;

/**
 * The WebSocket @jupyterlab/services uses in Node: `ws`, with room for kernel messages as big as a notebook may be.
 * A 200 MB print arrives as one message; the kernel service then keeps only a bounded part of it. No per-message
 * compression: kernel messages are small and frequent, and a big output would cost CPU on both ends.
 */
export class KernelWebSocket extends WebSocket {
  constructor(url: string, protocols?: string | string[]) {
    super(url, protocols, { maxPayload: MAX_KERNEL_MESSAGE_BYTES, perMessageDeflate: false });
  }
}
