import { WebSocket } from 'ws';
import { AppError, ErrorCode } from '../common/errors';
import { MAX_FRAME_BYTES } from '../common/rpc';
import { RpcClient } from '../common/rpcClient';
import { RPC_PROTOCOL } from './auth';
import { RPC_PATH } from './httpServer';
import { wsToPort } from './wsPort';

/** Where a Node client finds a core: a URL with a token, or a local socket. */
export type CoreTarget = { url: string; token: string } | { socketPath: string };

/** Opens an RPC connection to a core from Node (the CLI, tests, benchmarks). */
export async function connectToCore(target: CoreTarget): Promise<RpcClient> {
  let address: string;
  const headers: Record<string, string> = {};
  if ('socketPath' in target) {
    address = `ws+unix://${target.socketPath}:${RPC_PATH}`;
  } else {
    const u = new URL(target.url);
    u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
    u.pathname = u.pathname.replace(/\/?$/, '') + RPC_PATH;
    u.search = '';
    address = u.toString();
    headers.authorization = `Bearer ${target.token}`;
  }
  const ws = new WebSocket(address, [RPC_PROTOCOL], { headers, maxPayload: MAX_FRAME_BYTES, perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => {
      const where = 'socketPath' in target ? target.socketPath : target.url;
      reject(
        res.statusCode === 401
          ? new AppError(ErrorCode.Unauthorized, `The core at ${where} refused the token. Pass the token it printed with --token or LATHE_TOKEN.`)
          : new AppError(ErrorCode.Unavailable, `The core at ${where} answered HTTP ${res.statusCode} ${res.statusMessage ?? ''} to the connection.`),
      );
      ws.terminate();
    });
    ws.once('error', (err: NodeJS.ErrnoException) => {
      const where = 'socketPath' in target ? `the local core (${target.socketPath})` : target.url;
      reject(new AppError(ErrorCode.Unavailable, `Cannot reach ${where}: ${err.code ?? err.message}. Start one with \`lathe serve\`, or pass --url and --token for a remote core.`));
    });
  });
  return new RpcClient(wsToPort(ws));
}
