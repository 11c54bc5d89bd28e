import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { KernelChannel, type IKernelService } from '../common/kernels';
import { createProxy } from '../common/rpcClient';
import { tempDir, waitFor } from '../../scripts/test/tempDir';
import { serve } from '../../scripts/bench/benchUtil';
import { connectToCore } from './coreClient';
import { startCore } from './serverMain';

// Integration: a real `lathe serve` (dist) with a real local Jupyter server is killed with SIGKILL, as a crash
// would; the next core on the same data dir adopts the server that lived on, and the notebook's kernel with it.
let dir: ReturnType<typeof tempDir> | undefined;
afterEach(() => {
  dir?.remove();
  dir = undefined;
});

async function print(kernels: IKernelService, kernelId: string, code: string): Promise<string> {
  const execId = `p:${Math.random()}`;
  const out: string[] = [];
  const sub = kernels.onDidKernelEvent({ kernelId })((e) => {
    if (e.type === 'output' && e.execId === execId && e.output.output_type === 'stream') out.push(e.output.text);
  });
  await kernels.execute(kernelId, { execId, code });
  await new Promise((r) => setTimeout(r, 100));
  sub.dispose();
  return out.join('');
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** A real `lathe serve` (dist) on a fresh data dir and workspace, a client on it, and a way to SIGKILL it. */
async function crashableCore() {
  dir = tempDir();
  const dataDir = join(dir.path, 'data');
  const workspace = join(dir.path, 'ws');
  mkdirSync(workspace);
  const { child, url, token } = await serve(workspace, dataDir);
  const client = await connectToCore({ url, token });
  const crash = async () => {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    client.dispose();
  };
  return { dataDir, workspace, kernels: createProxy(client, KernelChannel), crash };
}

describe('a core that crashes', () => {
  it('leaves its Jupyter server running; the next core adopts it and the notebook finds its kernel, state intact', async () => {
    const { dataDir, workspace, kernels: k1, crash } = await crashableCore();
    const kernel = await k1.start({ spec: 'python3', path: 'analysis.ipynb' });
    expect(await print(k1, kernel.id, 'x = 41\nprint("set")')).toBe('set\n');
    await crash();

    const db = new Database(join(dataDir, 'lathe.db'), { readonly: true });
    const remembered = JSON.parse((db.prepare("SELECT value FROM meta WHERE key = 'jupyter.local'").get() as { value: string }).value) as { pid: number; url: string };
    db.close();
    expect(alive(remembered.pid)).toBe(true);

    const core = await startCore({ dataDir, workspace, localSocket: false, logConsole: null });
    try {
      const second = await connectToCore({ url: core.url, token: core.token });
      const k2 = createProxy(second, KernelChannel);
      expect(await k2.list()).toEqual([expect.objectContaining({ id: kernel.id, path: 'analysis.ipynb', server: 'local' })]);
      expect(await print(k2, kernel.id, 'print(x + 1)')).toBe('42\n');
      expect(await k2.server()).toMatchObject({ state: 'running', url: remembered.url });
      second.dispose();
    } finally {
      await core.dispose();
    }
    // A clean stop ends the adopted server too.
    expect(alive(remembered.pid)).toBe(false);
  }, 120_000);

  it('a cell running through the crash: the next core gets the outputs the kernel printed meanwhile, under the same execId, and its status (issue 23)', async () => {
    const { dataDir, workspace, kernels: k1, crash } = await crashableCore();
    const kernel = await k1.start({ spec: 'python3', path: 'long.ipynb' });
    const seen: string[] = [];
    const collect = (kernels: IKernelService, kernelId: string) =>
      kernels.onDidKernelEvent({ kernelId })((e) => {
        if (e.type === 'output' && e.execId === 'cell-7' && e.output.output_type === 'stream') seen.push(...String(e.output.text).split('\n').filter(Boolean));
      });
    collect(k1, kernel.id);
    void k1.execute(kernel.id, { execId: 'cell-7', code: 'import time\nfor i in range(10):\n    print(i, flush=True)\n    time.sleep(0.3)' }).catch(() => undefined);
    await waitFor(() => seen.length >= 2, 'the first outputs', 30_000);
    await crash();
    const beforeCrash = seen.length;
    expect(beforeCrash).toBeLessThan(10);

    const core = await startCore({ dataDir, workspace, localSocket: false, logConsole: null });
    try {
      const second = await connectToCore({ url: core.url, token: core.token });
      const k2 = createProxy(second, KernelChannel);
      expect(await k2.list()).toEqual([expect.objectContaining({ id: kernel.id })]);
      collect(k2, kernel.id);
      // Reattached while the cell still runs: the kernel is known to be busy, not 'unknown' until the cell ends.
      await waitFor(async () => (await k2.list())[0]?.status === 'busy' || seen.includes('9'), 'the kernel to show busy', 10_000);
      expect(seen.includes('9')).toBe(false);
      await waitFor(() => seen.includes('9'), 'the outputs printed after the crash', 30_000);
      // Every line once: what the first core passed on before it died, then the server's replay and the rest live.
      expect(seen).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
      // While the cell still ran after the reattach the kernel said busy (not 'unknown'), and idle once it ended.
      await waitFor(async () => (await k2.list())[0]?.status === 'idle', 'the kernel to be idle at the end', 10_000);
      second.dispose();
    } finally {
      await core.dispose();
    }
  }, 120_000);
});
