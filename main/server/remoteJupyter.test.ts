import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KernelChannel, type IKernelService, type KernelEvent } from '../common/kernels';
import { createProxy } from '../common/rpcClient';
import { startRemoteJupyter } from '../../scripts/test/remoteJupyter';
import { tcpProxy } from '../../scripts/test/tcpProxy';
import { tempDir, waitFor } from '../../scripts/test/tempDir';
import { connectToCore } from './coreClient';
import { startCore, type RunningCore } from './serverMain';

// Integration: a second real jupyter-server stands in for a remote one (served under /user/alice/, as behind
// JupyterHub's proxy), reached through a TCP relay the test can cut like a network drop; the core runs whole.
let dir: ReturnType<typeof tempDir>;
let info: Awaited<ReturnType<typeof startRemoteJupyter>>;
let relay: Awaited<ReturnType<typeof tcpProxy>>;

beforeAll(async () => {
  dir = tempDir();
  info = await startRemoteJupyter('/user/alice/');
  relay = await tcpProxy(Number(new URL(info.url).port));
}, 60_000);
afterAll(async () => {
  await relay?.close();
  await info?.stop();
  dir?.remove();
});

async function core(dataDir: string): Promise<{ core: RunningCore; kernels: IKernelService; close(): Promise<void> }> {
  const home = join(dir.path, 'home');
  mkdirSync(home, { recursive: true });
  const c = await startCore({ dataDir, localSocket: false, logConsole: null, home, workspace: dir.path, remoteProbeMs: 200, userEnv: { PATH: process.env.PATH, HOME: home } });
  const client = await connectToCore({ url: c.url, token: c.token });
  return { core: c, kernels: createProxy(client, KernelChannel), close: async () => (client.dispose(), await c.dispose()) };
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** Runs code on a kernel and returns what it printed. */
async function run(kernels: IKernelService, kernelId: string, code: string): Promise<string> {
  const execId = `x:${Math.random()}`;
  const out: string[] = [];
  const sub = kernels.onDidKernelEvent({ kernelId })((e: KernelEvent) => {
    if (e.type === 'output' && e.execId === execId && e.output.output_type === 'stream') out.push(e.output.text);
  });
  try {
    const r = await kernels.execute(kernelId, { execId, code });
    await new Promise((res) => setTimeout(res, 100));
    if (r.status !== 'ok') throw new Error(`execution ${r.status}`);
    return out.join('');
  } finally {
    sub.dispose();
  }
}

describe('remote Jupyter servers', () => {
  it('adds a server by its JupyterHub-style URL, runs kernels there beside local ones, rides out a network drop and a core restart', async () => {
    const dataDir = join(dir.path, 'data');
    const base = `http://127.0.0.1:${relay.port}/user/alice/`;
    let a = await core(dataDir);
    try {
      // Bad input first: a wrong token, a dead port, something that is not Jupyter.
      await expect(a.kernels.addServer({ url: `${base}lab`, token: 'wrong-token' })).rejects.toMatchObject({ code: 'JUPYTER_TOKEN_REJECTED', message: expect.stringContaining('jupyter server list') });
      await expect(a.kernels.addServer({ url: `http://127.0.0.1:${await closedPort()}/`, token: 't' })).rejects.toMatchObject({ code: 'JUPYTER_UNREACHABLE', message: expect.stringContaining('ECONNREFUSED') });
      await expect(a.kernels.addServer({ url: `${a.core.url}x/`, token: 't' })).rejects.toMatchObject({ code: 'JUPYTER_NOT_A_SERVER' });

      const added = await a.kernels.addServer({ url: `${base}lab/tree/work.ipynb?token=${info.token}`, name: 'alice on the hub' });
      expect(added).toMatchObject({ name: 'alice on the hub', url: base, state: 'connected', version: expect.any(String) });
      expect(JSON.stringify(await a.kernels.remoteServers())).not.toContain(info.token);
      const specs = await a.kernels.specs();
      expect(specs).toContainEqual(expect.objectContaining({ name: 'python3', server: added.id, serverName: 'alice on the hub' }));
      expect(specs).toContainEqual(expect.objectContaining({ name: 'python3', server: 'local', serverName: 'This machine' }));

      const k = await a.kernels.start({ spec: 'python3', path: 'nb/remote.ipynb', server: added.id });
      expect(k).toMatchObject({ server: added.id, path: 'nb/remote.ipynb' });
      expect(await run(a.kernels, k.id, 'x = 41\nprint("on", "remote")')).toBe('on remote\n');
      const local = await a.kernels.start({ spec: 'python3', path: 'nb/local.ipynb' });
      expect(local.server).toBe('local');
      expect((await a.kernels.list()).map((x) => x.server).sort()).toEqual([added.id, 'local'].sort());

      // The network drops: the server is reported unreachable, then back, and the kernel keeps its state.
      await relay.cut();
      await waitFor(async () => (await a.kernels.remoteServers())[0]?.state === 'unreachable', 'the server to be reported unreachable');
      // The cause depends on where the drop finds the probe: refused, reset, or a pooled socket closed under it.
      expect((await a.kernels.remoteServers())[0]!.detail).toMatch(/^Cannot reach http:\/\/127\.0\.0\.1:\d+\/user\/alice\/ \(.+\)\. Check the address/);
      await relay.restore();
      await waitFor(async () => (await a.kernels.remoteServers())[0]?.state === 'connected', 'the server to be back');
      const after = await waitFor(() => run(a.kernels, k.id, 'print(x + 1)').catch(() => undefined), 'the kernel to answer again', 30_000);
      expect(after).toBe('42\n');

      // The core restarts: the remote kernel went on running and is found again, with its state.
      await a.close();
      const files = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(d, e.name)) : e.isFile() ? [join(d, e.name)] : []));
      for (const f of files(dataDir)) expect(readFileSync(f).includes(info.token), `${f} holds the token in plaintext`).toBe(false);
      a = await core(dataDir);
      const found = await a.kernels.list();
      expect(found).toEqual([expect.objectContaining({ id: k.id, server: added.id, path: 'nb/remote.ipynb' })]);
      expect(await run(a.kernels, k.id, 'print(x + 2)')).toBe('43\n');
      // A new kernel for that notebook goes where it ran last.
      const again = await a.kernels.start({ path: 'nb/remote.ipynb' });
      expect(again.server).toBe(added.id);
      await a.kernels.shutdown(again.id);

      await a.kernels.removeServer(added.id);
      expect(await a.kernels.remoteServers()).toEqual([]);
      expect(await a.kernels.list()).toEqual([]);
      await expect(a.kernels.start({ spec: 'python3', server: added.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    } finally {
      await a.close();
    }
  }, 180_000);
});
