// RPC round trip over the WebSocket (dispatcher, validation, proxy) vs a bare `ws` echo server, same machine.
import { spawn } from 'node:child_process';
import { WebSocket } from 'ws';
import { createProxy } from '../../main/common/rpcClient';
import { StatusChannel } from '../../main/common/status';
import { connectToCore } from '../../main/server/coreClient';
import { median, report, serve } from './benchUtil';

const N = 3000;
const ROUNDS = 5;

// The echo server runs in its own process, as the core does, so both sides pay the same IPC and scheduling.
const ECHO_SERVER = `const { WebSocketServer } = require('ws');
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
wss.on('connection', (ws) => ws.on('message', (d) => ws.send(d.toString())));
wss.on('listening', () => console.log(wss.address().port));`;

async function bareEcho(): Promise<number[]> {
  const server = spawn(process.execPath, ['-e', ECHO_SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((r) => server.stdout!.once('data', (d) => r(Number(String(d).trim()))));
  const ws = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false });
  await new Promise((r) => ws.once('open', r));
  const payload = JSON.stringify({ t: 'call', id: 1, ch: 'status', m: 'get', a: [] });
  const times: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    for (let i = 0; i < N; i++) {
      await new Promise<void>((resolve) => {
        ws.once('message', () => resolve());
        ws.send(payload);
      });
    }
    times.push(((performance.now() - t0) / N) * 1000);
  }
  ws.close();
  server.kill();
  return times;
}

async function lathe(): Promise<number[]> {
  const core = await serve();
  const client = await connectToCore({ url: core.url, token: core.token });
  const status = createProxy(client, StatusChannel);
  const times: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    for (let i = 0; i < N; i++) await status.get();
    times.push(((performance.now() - t0) / N) * 1000);
  }
  client.dispose();
  core.child.kill('SIGTERM');
  return times;
}

// Interleave so both see the same machine state; take medians.
const bare: number[] = [];
const rpc: number[] = [];
for (let i = 0; i < 2; i++) {
  bare.push(...(await bareEcho()));
  rpc.push(...(await lathe()));
}
const b = median(bare);
const l = median(rpc);
report([{ name: 'RPC round trip (µs, median of rounds)', lathe: l.toFixed(1), baseline: `${b.toFixed(1)} (bare ws echo)`, ratio: `${(l / b).toFixed(2)}×`, goal: '≤ 1.5×', ok: l / b <= 1.5, note: `${N} sequential calls × ${ROUNDS * 2} rounds` }]);
process.exit(0);
