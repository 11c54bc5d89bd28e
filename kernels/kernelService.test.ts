import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { createMemoryPortPair } from '../main/common/memoryTransport';
import { KernelChannel, type IKernelService, type KernelEvent } from '../main/common/kernels';
import { RpcClient, createProxy } from '../main/common/rpcClient';
import { RpcServer } from '../main/common/rpcServer';
import { tempDir, waitFor } from '../scripts/test/tempDir';
import { findJupyterServer } from './findJupyter';
import { JupyterServerSupervisor } from './jupyterServer';
import { KernelService, LIVE_OUTPUT_HEAD_CHARS, LIVE_OUTPUT_TAIL_CHARS, kernelStartReason } from './kernelService';

// Integration: a real Debian jupyter-server + ipykernel, reached through @jupyterlab/services from the core,
// and the core's kernel channel over an in-memory RPC pair.
let dir: ReturnType<typeof tempDir>;
let service: KernelService;
let kernels: IKernelService;
let kernelId: string;
let n = 0;
const events: KernelEvent[] = [];

beforeAll(async () => {
  dir = tempDir();
  const supervisor = new JupyterServerSupervisor({ command: await findJupyterServer(), runtimeDir: `${dir.path}/jupyter`, rootDir: dir.path });
  service = new KernelService(supervisor, { warn: () => undefined });
  const server = new RpcServer();
  server.serveChannel(KernelChannel, service);
  const [a, b] = createMemoryPortPair();
  server.accept(b);
  kernels = createProxy(new RpcClient(a), KernelChannel);
  kernelId = (await kernels.start({})).id;
  kernels.onDidKernelEvent({ kernelId })((e) => events.push(e));
}, 90_000);
afterAll(async () => {
  await service.shutdownAll();
  dir.remove();
});

/** Runs code and returns its result and the events tagged with its execId. */
async function run(code: string, opts: { allowStdin?: boolean } = {}) {
  const execId = `e${++n}`;
  const result = await kernels.execute(kernelId, { execId, code, ...opts });
  await new Promise((r) => setTimeout(r, 50)); // IOPub can trail the reply by a moment.
  return { result, events: events.filter((e) => 'execId' in e && e.execId === execId) };
}

describe('kernels on a real Jupyter server', () => {
  it('lists the python3 kernelspec and the running kernel', async () => {
    expect((await kernels.specs()).map((s) => s.name)).toContain('python3');
    expect(await kernels.list()).toEqual([expect.objectContaining({ id: kernelId, spec: 'python3', server: 'local' })]);
    expect(await kernels.server()).toMatchObject({ state: 'running', nodelay: true });
  });

  it('executes code: stream output, result, execution count', async () => {
    const { result, events: ev } = await run("print('hi'); 1+1");
    expect(result).toMatchObject({ status: 'ok', executionCount: expect.any(Number) });
    expect(ev).toContainEqual({ type: 'output', execId: `e${n}`, output: { output_type: 'stream', name: 'stdout', text: 'hi\n' } });
    expect(ev).toContainEqual(expect.objectContaining({ type: 'output', output: expect.objectContaining({ output_type: 'execute_result', data: { 'text/plain': '2' } }) }));
    expect(ev[0]).toMatchObject({ type: 'executeInput', executionCount: result.executionCount });
  });

  it('reports errors with name, value and traceback', async () => {
    const { result, events: ev } = await run('1/0');
    expect(result).toMatchObject({ status: 'error', ename: 'ZeroDivisionError' });
    expect(ev.find((e) => e.type === 'output')).toMatchObject({ output: { output_type: 'error', ename: 'ZeroDivisionError', traceback: expect.any(Array) } });
  });

  it('interrupts a long cell, directly and by cancelling the call', async () => {
    const running = run('import time; time.sleep(60)');
    await new Promise((r) => setTimeout(r, 500));
    await kernels.interrupt(kernelId);
    expect((await running).result).toMatchObject({ status: 'error', ename: 'KeyboardInterrupt' });
    const ctl = new AbortController();
    const cancelled = kernels.execute(kernelId, { execId: 'cancel-me', code: 'import time; time.sleep(60)' }, { signal: ctl.signal });
    await new Promise((r) => setTimeout(r, 500));
    ctl.abort();
    await expect(cancelled).rejects.toMatchObject({ code: 'CANCELLED' });
    // The kernel was interrupted, not left sleeping: it goes idle and the next cell runs at once.
    await waitFor(async () => (await kernels.list())[0]?.status === 'idle', 'the kernel to go idle after the interrupt', 5000);
    expect((await run('40+2')).result.status).toBe('ok');
  });

  it('asks for input() and takes the reply', async () => {
    const asked = run("name = input('Name? '); print('hello', name)", { allowStdin: true });
    const request = await waitFor(() => events.find((e) => e.type === 'inputRequest' && e.execId === `e${n}`), 'an input request');
    expect(request).toMatchObject({ prompt: 'Name? ', password: false });
    await kernels.inputReply(kernelId, 'Ada');
    const { events: ev } = await asked;
    expect(ev).toContainEqual(expect.objectContaining({ output: { output_type: 'stream', name: 'stdout', text: 'hello Ada\n' } }));
    await expect(kernels.inputReply(kernelId, 'late')).rejects.toMatchObject({ message: /not waiting for input/ });
  });

  it('streams display updates and clear_output(wait=True)', async () => {
    const { events: ev } = await run("from IPython.display import display, clear_output\nh = display('first', display_id=True)\nh.update('second')\nclear_output(wait=True)\nprint('after')");
    const shown = ev.find((e) => e.type === 'output' && e.output.output_type === 'display_data');
    expect(shown).toMatchObject({ output: { data: { 'text/plain': "'first'" }, transient: { display_id: expect.any(String) } } });
    expect(ev).toContainEqual(expect.objectContaining({ type: 'updateDisplay', output: expect.objectContaining({ data: { 'text/plain': "'second'" } }) }));
    expect(ev).toContainEqual(expect.objectContaining({ type: 'clearOutput', wait: true }));
  });

  it('renders a matplotlib figure as a PNG display', async () => {
    const { result, events: ev } = await run('%matplotlib inline\nimport matplotlib.pyplot as plt\nplt.plot([1, 3, 2])\nplt.show()');
    expect(result.status).toBe('ok');
    const png = ev.find((e) => e.type === 'output' && e.output.output_type === 'display_data' && 'image/png' in e.output.data);
    expect(png, 'a display_data with image/png (python3-matplotlib installed?)').toBeDefined();
    const b64 = (png as { output: { data: Record<string, string> } }).output.data['image/png'];
    expect(Buffer.from(b64!, 'base64').subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  });

  it('restart clears the kernel state and takes code sent right after it', async () => {
    await run('x = 41');
    expect((await run('x + 1')).result.status).toBe('ok');
    await kernels.restart(kernelId);
    expect((await run('x')).result).toMatchObject({ status: 'error', ename: 'NameError' });
    // Back to back, with no pause: the first cell after a restart must not be lost.
    for (let i = 0; i < 3; i++) {
      await kernels.restart(kernelId);
      expect((await run(`${i} + 1`)).result.status).toBe('ok');
    }
  }, 90_000);

  it('a kernel that dies is reported and comes back usable', async () => {
    const statusesBefore = events.length;
    await expect(kernels.execute(kernelId, { execId: 'die', code: 'import os; os._exit(1)' })).rejects.toMatchObject({ code: 'KERNEL_DIED', message: expect.stringMatching(/variables are lost/) });
    await waitFor(() => events.slice(statusesBefore).some((e) => e.type === 'status' && (e.status === 'autorestarting' || e.status === 'restarting' || e.status === 'dead')), 'a restart status');
    await waitFor(async () => (await kernels.list())[0]?.status === 'idle', `the kernel to be idle again (statuses: ${JSON.stringify(events.slice(statusesBefore).filter((e) => e.type === 'status'))})`, 30_000);
    expect((await run('2*21')).events).toContainEqual(expect.objectContaining({ output: expect.objectContaining({ data: { 'text/plain': '42' } }) }));
  }, 60_000);

  it('refuses unknown kernels and specs with clear errors', async () => {
    await expect(kernels.interrupt('00000000-0000-0000-0000-000000000000')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(kernels.interrupt('not-a-uuid')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(kernels.start({ spec: 'cobol' })).rejects.toMatchObject({ code: 'KERNEL_START_FAILED', message: expect.stringMatching(/on this machine: .*Available kernels there: .*python3/) });
  });
});

describe('reattaching to a kernel', () => {
  it('records the notebook path and replays recent outputs to a new subscriber', async () => {
    mkdirSync(join(dir.path, 'work'), { recursive: true });
    const k = await kernels.start({ path: 'work/analysis.ipynb' });
    expect((await kernels.list()).find((x) => x.id === k.id)).toMatchObject({ path: 'work/analysis.ipynb' });
    // As in JupyterLab, the kernel starts in the notebook's folder.
    const cwd: KernelEvent[] = [];
    const subCwd = kernels.onDidKernelEvent({ kernelId: k.id })((e) => cwd.push(e));
    await kernels.execute(k.id, { execId: 'cwd:1', code: 'import os; print(os.getcwd())' });
    await waitFor(() => cwd.some((e) => e.type === 'output' && e.execId === 'cwd:1'), 'the cwd');
    expect(cwd.find((e) => e.type === 'output' && e.execId === 'cwd:1')).toMatchObject({ output: { text: `${realpathSync(join(dir.path, 'work'))}\n` } });
    subCwd.dispose();
    await kernels.execute(k.id, { execId: 'cellA:1', code: "print('while you were away')" });
    await new Promise((r) => setTimeout(r, 100));
    // A page that attaches now (after a reload) gets the output again, then the current status.
    const seen: KernelEvent[] = [];
    const sub = kernels.onDidKernelEvent({ kernelId: k.id })((e) => seen.push(e));
    await waitFor(() => seen.some((e) => e.type === 'status'), 'the replay');
    expect(seen).toContainEqual({ type: 'output', execId: 'cellA:1', output: { output_type: 'stream', name: 'stdout', text: 'while you were away\n' } });
    expect(seen.findIndex((e) => e.type === 'executeInput')).toBeLessThan(seen.findIndex((e) => e.type === 'output'));
    sub.dispose();
    await kernels.shutdown(k.id);
  });
});

describe('variables view', () => {
  it('lists user globals with type and shape, silently', async () => {
    const k = await kernels.start({});
    const seen: KernelEvent[] = [];
    kernels.onDidKernelEvent({ kernelId: k.id })((e) => seen.push(e));
    await kernels.execute(k.id, { execId: 'v:1', code: "import numpy as np\na = [1, 2, 3]\nm = np.zeros((3, 4))\nname = 'iris'\n_private = 1\ndef f(): pass" });
    const before = seen.length;
    const vars = await kernels.variables(k.id);
    expect(vars).toEqual([
      { name: 'a', type: 'list', shape: '3', summary: '[1, 2, 3]' },
      { name: 'm', type: 'ndarray', shape: '(3, 4)', summary: expect.stringContaining('array([[0., 0., 0., 0.]') },
      { name: 'name', type: 'str', shape: '4', summary: "'iris'" },
    ]);
    await new Promise((r) => setTimeout(r, 100));
    // Silent: no outputs or execute_input reached the notebook's event stream.
    expect(seen.slice(before).filter((e) => e.type !== 'status')).toEqual([]);
    expect((await kernels.execute(k.id, { execId: 'v:2', code: '1' })).executionCount).toBe(2);
    await kernels.shutdown(k.id);
  });
});

describe('a runaway output', () => {
  // Jupyter's own IOPub rate limit (1 MB/s) would drop most of it before Lathe sees it; users and remote servers
  // often turn it off, so this server runs without it and Lathe's own bound is what holds.
  let big: { service: KernelService; kernels: IKernelService; kernelId: string; events: KernelEvent[]; dir: ReturnType<typeof tempDir> };
  beforeAll(async () => {
    const d = tempDir();
    const supervisor = new JupyterServerSupervisor({ command: await findJupyterServer(), runtimeDir: `${d.path}/jupyter`, rootDir: d.path, extraArgs: ['--ServerApp.iopub_data_rate_limit=0'] });
    const svc = new KernelService(supervisor, { warn: () => undefined });
    const server = new RpcServer();
    server.serveChannel(KernelChannel, svc);
    const [a, b] = createMemoryPortPair();
    server.accept(b);
    const proxy = createProxy(new RpcClient(a), KernelChannel);
    const id = (await proxy.start({})).id;
    const ev: KernelEvent[] = [];
    proxy.onDidKernelEvent({ kernelId: id })((e) => ev.push(e));
    big = { service: svc, kernels: proxy, kernelId: id, events: ev, dir: d };
  }, 90_000);
  afterAll(async () => {
    await big?.service.shutdownAll();
    big?.dir.remove();
  });
  let m = 0;
  async function runOn(w: typeof big, code: string) {
    const execId = `big${++m}`;
    const result = await w.kernels.execute(w.kernelId, { execId, code });
    await new Promise((r) => setTimeout(r, 200));
    return { result, events: w.events.filter((e) => 'execId' in e && e.execId === execId) };
  }

  it('keeps a cell that prints 200 MB usable: the head arrives live, then a note of what was left out and the tail', async () => {
    const { result, events: ev } = await runOn(big, "import sys\nsys.stdout.write('x' * 200_000_000)\nprint()\nprint('the last line')");
    expect(result.status).toBe('ok');
    const streams = ev.flatMap((e) => (e.type === 'output' && e.output.output_type === 'stream' ? [e.output] : []));
    const total = streams.reduce((a, o) => a + o.text.length, 0);
    expect(total).toBeLessThanOrEqual(LIVE_OUTPUT_HEAD_CHARS + LIVE_OUTPUT_TAIL_CHARS + 1000);
    expect(streams[0]!.text.startsWith('xxxx')).toBe(true);
    const note = streams.find((o) => o.name === 'stderr' && o.text.includes('left out'));
    expect(note?.text).toMatch(/\[Lathe: 1\d\d MB of this cell's output left out/);
    expect(streams.at(-1)!.text.endsWith('the last line\n')).toBe(true);
    expect((await runOn(big, '40 + 2')).result.status).toBe('ok');
  }, 60_000);

});

describe('kernelStartReason', () => {
  it('gives the last line of a Python traceback, never the traceback itself', () => {
    const tb = 'Unhandled error\nTraceback (most recent call last):\n  File "/usr/lib/python3/dist-packages/jupyter_client/manager.py", line 82, in wrapper\n    raise exc\n  File "x.py", line 1\nRuntimeError: the kernel could not bind its ports';
    expect(kernelStartReason(new Error(tb))).toBe('Unhandled error: RuntimeError: the kernel could not bind its ports');
    expect(kernelStartReason(new Error('jupyter_client.kernelspec.NoSuchKernel: No such kernel named x'))).toBe('there is no kernelspec by that name');
    expect(kernelStartReason('plain words')).toBe('plain words');
  });
});

describe('a Jupyter server lost during a cell (issue 23)', () => {
  it('says the server stopped and the kernel went with it, not that the kernel is being restarted', async () => {
    const d = tempDir();
    const supervisor = new JupyterServerSupervisor({ command: await findJupyterServer(), runtimeDir: `${d.path}/jupyter`, rootDir: d.path });
    const svc = new KernelService(supervisor, { warn: () => undefined });
    try {
      const k = await svc.start({});
      const running = svc.execute(k.id, { execId: 'long', code: 'import time\ntime.sleep(60)' });
      running.catch(() => undefined);
      await new Promise((r) => setTimeout(r, 500));
      process.kill(supervisor.pid!, 'SIGKILL');
      await expect(running).rejects.toMatchObject({ code: 'KERNEL_DIED', message: expect.stringMatching(/The Jupyter server stopped while the code ran .*this kernel went with it.*start a new kernel once it is back/) });
    } finally {
      await svc.shutdownAll();
      d.remove();
    }
  }, 90_000);
});
