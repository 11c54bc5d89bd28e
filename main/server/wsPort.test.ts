import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { wsToPort } from './wsPort';

// The one socket adapter (main/common/socketPort.ts) over real `ws` sockets on loopback; the browser's WebSocket
// takes the same path in the e2e suite.
let wss: WebSocketServer | undefined;
afterEach(async () => {
  for (const c of wss?.clients ?? []) c.terminate();
  await new Promise((r) => (wss ? wss.close(r) : r(undefined)));
  wss = undefined;
});

async function pair() {
  wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(wss, 'listening');
  const accepted = once(wss, 'connection') as Promise<[WebSocket]>;
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`);
  await once(client, 'open');
  const [server] = await accepted;
  return { client, server, serverPort: wsToPort(server), clientPort: wsToPort(client) };
}

describe('wsToPort', () => {
  it('carries text frames both ways as strings, in order', async () => {
    const { serverPort, clientPort } = await pair();
    const got: string[] = [];
    serverPort.onMessage((m) => got.push(m));
    const echoed = new Promise<string>((r) => clientPort.onMessage(r));
    for (const m of ['{"a":1}', 'é漢🚀', '']) clientPort.send(m);
    serverPort.send('back');
    expect(await echoed).toBe('back');
    await expect.poll(() => got).toEqual(['{"a":1}', 'é漢🚀', '']);
  });

  it('answers a binary frame with a fatal frame and never hands it to the RPC layer', async () => {
    const { client, serverPort } = await pair();
    const got: string[] = [];
    serverPort.onMessage((m) => got.push(m));
    const answer = once(client, 'message') as Promise<[Buffer, boolean]>;
    client.send(Buffer.from([1, 2, 3]));
    const [data, isBinary] = await answer;
    expect(isBinary).toBe(false);
    expect(JSON.parse(data.toString())).toMatchObject({ t: 'fatal', e: { code: 'BAD_REQUEST', message: expect.stringMatching(/Binary frames/) } });
    expect(got).toEqual([]);
  });

  it('reports the close code and reason, then drops what is sent', async () => {
    const { serverPort, clientPort } = await pair();
    const closed = new Promise<{ code?: number; reason?: string }>((r) => serverPort.onClose(r));
    clientPort.close(4001, 'bye');
    expect(await closed).toEqual({ code: 4001, reason: 'bye' });
    expect(() => serverPort.send('late')).not.toThrow();
  });
});
