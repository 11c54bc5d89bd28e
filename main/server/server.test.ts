import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { MAX_FRAME_BYTES } from '../common/rpc';
import { createProxy } from '../common/rpcClient';
import { StatusChannel } from '../common/status';
import { TerminalChannel } from '../common/terminal';
import { processAlive, tempDir, waitFor } from '../../scripts/test/tempDir';
import { RPC_PROTOCOL, bearerProtocol, sessionCookieName, sessionValue } from './auth';
import { connectToCore } from './coreClient';
import { startCore, type RunningCore } from './serverMain';

let dir: ReturnType<typeof tempDir>;
let core: RunningCore;
let staticDir: string;
const TOKEN = 'test-token-0123456789abcdef';

beforeEach(async () => {
  dir = tempDir();
  staticDir = join(dir.path, 'static');
  mkdirSync(join(staticDir, 'assets'), { recursive: true });
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>Lathe test</title>');
  writeFileSync(join(staticDir, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(dir.path, 'secret.txt'), 'outside the static root');
  core = await startCore({ dataDir: join(dir.path, 'data'), staticDir, token: TOKEN, logConsole: null });
});
afterEach(async () => {
  await core.dispose();
  dir.remove();
});

/** A raw HTTP GET with full control of headers (fetch will not send a custom Host). */
function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: core.port, path, headers }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Tries a WebSocket upgrade; resolves with 'open' or the HTTP status of the refusal. */
function upgrade(headers: Record<string, string>, protocols: string[] = [RPC_PROTOCOL], path = '/rpc'): Promise<{ result: string; ws?: WebSocket }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${core.port}${path}`, protocols, { headers });
    ws.once('open', () => resolve({ result: 'open', ws }));
    ws.once('unexpected-response', (_q, res) => resolve({ result: String(res.statusCode) }));
    ws.once('error', () => resolve({ result: 'error' }));
  });
}

const cookie = () => `${sessionCookieName(core.port)}=${sessionValue(TOKEN)}`;

describe('HTTP routes', () => {
  it('serves /healthz without a token, and nothing else', async () => {
    expect(await get('/healthz')).toMatchObject({ status: 200, body: '{"ok":true}' });
    const page = await get('/');
    expect(page.status).toBe(401);
    expect(page.body).toMatch(/Not authorised/);
    expect(page.body).toMatch(/\?token=/);
    expect((await get('/assets/app.js')).status).toBe(401);
  });

  it('trades a right URL token for an HttpOnly cookie and strips it from the URL; a wrong one gets the 401 page', async () => {
    expect((await get('/?token=wrong-token-xxxxxxxxxxxx')).status).toBe(401);
    const ok = await get(`/?token=${TOKEN}&x=1`);
    expect(ok.status).toBe(303);
    expect(ok.headers.location).toBe('/?x=1');
    const setCookie = String(ok.headers['set-cookie']);
    expect(setCookie).toContain(cookie());
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).not.toContain(TOKEN);
  });

  it('serves the app with a cookie or a bearer token, with CSP and no-store on the page', async () => {
    const page = await get('/', { cookie: cookie() });
    expect(page).toMatchObject({ status: 200, body: expect.stringContaining('Lathe test') });
    expect(page.headers['content-security-policy']).toMatch(/script-src 'self'/);
    expect(page.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect((await get('/assets/app.js', { authorization: `Bearer ${TOKEN}` })).body).toBe('console.log(1)');
    // Client-side routes fall back to the page; missing assets do not.
    expect((await get('/notebooks/x', { cookie: cookie() })).body).toContain('Lathe test');
    expect((await get('/assets/missing.js', { cookie: cookie() })).status).toBe(404);
  });

  it('never serves files outside the static root', async () => {
    for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/..%5csecret.txt']) {
      const r = await get(p, { cookie: cookie() });
      expect(r.body, p).not.toContain('outside the static root');
    }
  });

  it('refuses foreign Host headers on a loopback bind (DNS rebinding) and non-GET methods', async () => {
    expect((await get('/', { cookie: cookie(), host: 'evil.example:80' })).status).toBe(403);
    expect((await get('/', { cookie: cookie(), host: `localhost:${core.port}` })).status).toBe(200);
    // Names that only start like a loopback address are someone else's (issue 14: 127.0.0.1.evil.example passed).
    for (const host of ['127.0.0.1.evil.example', `127.0.0.1.evil.example:${core.port}`, '127.evil.example', 'localhost.evil.example', 'evil@127.0.0.1', '127.0.0.1:80@evil.example']) {
      expect((await get('/', { cookie: cookie(), host })).status, host).toBe(403);
      expect((await upgrade({ cookie: cookie(), host })).result, host).toBe('403');
    }
    for (const host of [`127.0.0.1:${core.port}`, `127.1.2.3:${core.port}`, `[::1]:${core.port}`, `LOCALHOST:${core.port}`]) {
      expect((await get('/', { cookie: cookie(), host })).status, host).toBe(200);
    }
    const post = await new Promise<number>((resolve) => {
      const req = request({ host: '127.0.0.1', port: core.port, path: '/', method: 'POST', headers: { cookie: cookie() } }, (res) => resolve(res.statusCode!));
      req.end();
    });
    expect(post).toBe(405);
  });

  it('answers a malformed percent-escape or a NUL in an API path with 400 and what is wrong (issue 14)', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    for (const p of ['/api/env-registry/%E0%A4%A', '/api/env-registry/demo%', '/api/env-registry/%zz']) {
      const r = await get(p, auth);
      expect(r.status, p).toBe(400);
      expect(JSON.parse(r.body), p).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('malformed percent-escape') });
    }
    const nul = await get('/api/env-registry/demo%00/1.0', auth);
    expect(nul.status).toBe(400);
    expect(JSON.parse(nul.body).message).toMatch(/NUL character/);
    expect((await get('/api/env-registry/%zz')).status).toBe(401); // the token is still checked first
  });

  it('keeps the token out of the log file', async () => {
    await get(`/?token=${TOKEN}`);
    await get('/?token=a-wrong-but-long-token');
    await core.dispose();
    const log = readFileSync(join(core.dataDir, 'logs', 'core.log'), 'utf8');
    expect(log).toContain('core started');
    expect(log).not.toContain(TOKEN);
  });
});

describe('WebSocket RPC', () => {
  it('accepts a bearer header, a bearer subprotocol or the session cookie, and nothing else', async () => {
    expect((await upgrade({})).result).toBe('401');
    expect((await upgrade({ authorization: 'Bearer nope-nope-nope-nope' })).result).toBe('401');
    expect((await upgrade({ cookie: `${sessionCookieName(core.port)}=forged` })).result).toBe('401');
    const ways: Record<string, string>[] = [{ authorization: `Bearer ${TOKEN}` }, { cookie: cookie() }];
    for (const h of ways) {
      const r = await upgrade(h);
      expect(r.result).toBe('open');
      expect(r.ws!.protocol).toBe(RPC_PROTOCOL);
      r.ws!.close();
    }
    const viaProtocol = await upgrade({}, [RPC_PROTOCOL, bearerProtocol(TOKEN)]);
    expect(viaProtocol.result).toBe('open');
    // The server picks the plain protocol and never echoes the token back.
    expect(viaProtocol.ws!.protocol).toBe(RPC_PROTOCOL);
    viaProtocol.ws!.close();
    expect((await upgrade({ authorization: `Bearer ${TOKEN}` }, [RPC_PROTOCOL], '/other')).result).toBe('404');
  });

  it('checks Origin on upgrade: same origin passes, another site is refused even with a valid cookie', async () => {
    const same = await upgrade({ cookie: cookie(), origin: `http://127.0.0.1:${core.port}` });
    expect(same.result).toBe('open');
    same.ws!.close();
    expect((await upgrade({ cookie: cookie(), origin: 'http://evil.example' })).result).toBe('403');
    expect((await upgrade({ cookie: cookie(), origin: `http://127.0.0.1:${core.port + 1}` })).result).toBe('403');
  });

  it('answers bad frames with clear errors, closes on an oversized frame, and keeps serving other clients', async () => {
    const other = await connectToCore({ url: core.url, token: TOKEN });
    const { ws } = await upgrade({ authorization: `Bearer ${TOKEN}` });
    const frames: { t: string; e?: { code: string; message: string } }[] = [];
    ws!.on('message', (d) => frames.push(JSON.parse(String(d))));
    ws!.send('nonsense');
    ws!.send(JSON.stringify({ t: 'call', id: 1, ch: 'terminal', m: 'resize', a: ['t1', 'wide', 10] }));
    ws!.send(JSON.stringify({ t: 'call', id: 2, ch: 'terminal', m: 'rm -rf', a: [] }));
    ws!.send(Buffer.from([1, 2, 3]), { binary: true });
    await waitFor(() => frames.length >= 4, 'four error replies');
    expect(frames[0]).toMatchObject({ t: 'fatal', e: { code: 'BAD_REQUEST', message: expect.stringMatching(/not valid JSON/) } });
    expect(frames[1]).toMatchObject({ t: 'err', e: { code: 'INVALID_ARGUMENT', message: expect.stringMatching(/argument 2 of terminal\.resize/) } });
    expect(frames[2]).toMatchObject({ t: 'err', e: { code: 'UNKNOWN_METHOD' } });
    expect(frames[3]).toMatchObject({ t: 'fatal', e: { message: expect.stringMatching(/Binary frames/) } });
    const closed = new Promise<number>((resolve) => ws!.once('close', (code) => resolve(code)));
    ws!.send('x'.repeat(MAX_FRAME_BYTES + 1));
    expect(await closed).toBe(1009);
    await expect(createProxy(other, StatusChannel).get()).resolves.toMatchObject({ version: expect.any(String) });
    other.dispose();
  });

  it('serves the CLI on the local socket without a token, and refuses a second core on the same data dir', async () => {
    const local = await connectToCore({ socketPath: core.socketPath! });
    const status = await createProxy(local, StatusChannel).get();
    expect(status.services.map((s) => s.name)).toEqual(['status', 'settings', 'terminal', 'kernels', 'notebookFiles', 'files', 'envs', 'jobs', 'secrets']);
    expect(status.services.find((s) => s.name === 'kernels')).toMatchObject({ state: 'ready', detail: 'Jupyter server stopped' });
    expect(status.launches).toBe(1);
    local.dispose();
    await expect(startCore({ dataDir: core.dataDir, staticDir, logConsole: null })).rejects.toMatchObject({ code: 'CORE_ALREADY_RUNNING' });
  });

  it('disposes its ptys and sockets on shutdown', async () => {
    const client = await connectToCore({ url: core.url, token: TOKEN });
    const t = await createProxy(client, TerminalChannel).create({ shell: '/bin/bash' });
    const closed = new Promise((resolve) => client.onDidDisconnect(resolve));
    await core.dispose();
    await closed;
    await waitFor(() => !processAlive(t.pid), 'the pty to be gone');
    await expect(fetch(core.url + 'healthz')).rejects.toThrow();
  });
});

describe('kernels through the core', () => {
  it('starts the Jupyter server on first use, runs code over the WebSocket, and stops it with the core', async () => {
    const { KernelChannel } = await import('../common/kernels');
    const client = await connectToCore({ url: core.url, token: TOKEN });
    const kernels = createProxy(client, KernelChannel);
    expect(await kernels.server()).toEqual({ state: 'stopped' });
    const k = await kernels.start({});
    const outputs: unknown[] = [];
    kernels.onDidKernelEvent({ kernelId: k.id })((e) => e.type === 'output' && outputs.push(e.output));
    await expect(kernels.execute(k.id, { execId: 'x1', code: 'print(6*7)' })).resolves.toMatchObject({ status: 'ok' });
    await waitFor(() => outputs.length, 'the output');
    expect(outputs[0]).toEqual({ output_type: 'stream', name: 'stdout', text: '42\n' });
    const server = await kernels.server();
    expect(server).toMatchObject({ state: 'running' });
    const url = (server as { url: string }).url;
    client.dispose();
    await core.dispose();
    await expect(fetch(new URL('api/status', url))).rejects.toThrow();
  }, 90_000);
});
