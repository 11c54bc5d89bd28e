import type { WebSocket } from 'ws';
import { ErrorCode } from '../common/errors';
import type { IMessagePort } from '../common/rpc';
import { socketPort } from '../common/socketPort';

/** Adapts a `ws` WebSocket (server or client side) to the RPC message port. Binary frames are refused. */
export function wsToPort(ws: WebSocket): IMessagePort {
  return socketPort(ws, () => ws.send(JSON.stringify({ t: 'fatal', e: { code: ErrorCode.BadRequest, message: 'Binary frames are not supported; send JSON text frames.' } })));
}
