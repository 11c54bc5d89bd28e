import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryPortPair } from '../../common/memoryTransport';
import { RpcClient, createProxy } from '../../common/rpcClient';
import { RpcServer } from '../../common/rpcServer';
import { TerminalChannel, TerminalFlow, type ITerminalService, type TerminalOutput } from '../../common/terminal';
import { Logger } from '../../base/node/logger';
import { processAlive, tempDir, waitFor } from '../../../scripts/test/tempDir';
import { TerminalService } from './terminalService';

const BASH = { shell: '/bin/bash', args: ['--noprofile', '--norc'] };
let svc: TerminalService | undefined;
let dir: ReturnType<typeof tempDir> | undefined;
afterEach(() => {
  svc?.dispose();
  dir?.remove();
  svc = dir = undefined;
});

function setup(config: ConstructorParameters<typeof TerminalService>[0] = {}) {
  svc = new TerminalService(config, new Logger({ console: null }));
  const server = new RpcServer();
  server.serveChannel(TerminalChannel, svc);
  const connect = () => {
    const [a, b] = createMemoryPortPair();
    server.accept(b);
    return { proxy: createProxy(new RpcClient(a), TerminalChannel), port: a };
  };
  return { svc, connect };
}

/** Collects a terminal's output as text. */
function collect(proxy: ITerminalService, id: string) {
  const state = { text: '', replays: [] as string[], exit: undefined as TerminalOutput | undefined, chars: 0 };
  const sub = proxy.onDidOutput({ id })((o) => {
    if ('exit' in o) state.exit = o;
    else {
      if (o.replay) state.replays.push(o.data);
      state.text += o.data;
      state.chars += o.data.length;
    }
  });
  return { state, sub };
}

describe('TerminalService over RPC', () => {
  it('runs the shell in the chosen folder and streams what it prints', async () => {
    dir = tempDir();
    const { connect } = setup();
    const { proxy } = connect();
    const t = await proxy.create({ ...BASH, cwd: dir.path, cols: 100, rows: 30 });
    expect(t).toMatchObject({ id: expect.stringMatching(/^t\d+$/), cwd: dir.path, cols: 100, rows: 30, shell: '/bin/bash' });
    const { state } = collect(proxy, t.id);
    await proxy.write(t.id, 'echo "hel""lo from $(pwd)"\r');
    await waitFor(() => state.text.includes(`hello from ${dir!.path}`), 'echo output');
    expect(await proxy.list()).toEqual([expect.objectContaining({ id: t.id })]);
  });

  it('starts shells with extra environment (the conda activation hook) but never the core token', async () => {
    const { connect } = setup({ env: { ...process.env, LATHE_TOKEN: 'core-secret-token-value' } });
    const { proxy } = connect();
    const t = await proxy.create({ ...BASH, env: { CONDA_PREFIX: '/opt/envs/iris' } });
    const { state } = collect(proxy, t.id);
    await proxy.write(t.id, 'echo "prefix=[$CONDA_PREFIX] token=[$LATHE_TOKEN] term=[$TERM]"\r');
    await waitFor(() => state.text.includes('prefix=[/opt/envs/iris] token=[] term=[xterm-256color]'), 'env echo');
  });

  it('replays the scrollback to a client that attaches later (a page reload)', async () => {
    const { connect } = setup();
    const first = connect().proxy;
    const t = await first.create(BASH);
    const a = collect(first, t.id);
    await first.write(t.id, 'seq 1 10000\r');
    await waitFor(() => a.state.text.includes('\n10000'), 'seq to finish', 15_000);
    a.sub.dispose();
    const second = connect().proxy;
    const b = collect(second, t.id);
    await waitFor(() => b.state.replays.length === 1, 'replay');
    expect(b.state.replays[0]).toContain('\n9999\r\n10000');
    expect(b.state.replays[0]).toContain('seq 1 10000');
  });

  it('keeps the scrollback bounded, holding the newest output', async () => {
    const { connect } = setup({ maxScrollbackChars: 5000 });
    const { proxy } = connect();
    const t = await proxy.create(BASH);
    const a = collect(proxy, t.id);
    await proxy.write(t.id, 'seq 100000 120000; echo END-$((6*7))\r');
    await waitFor(() => a.state.text.includes('END-42\r\n'), 'seq', 15_000);
    const b = collect(connect().proxy, t.id);
    await waitFor(() => b.state.replays.length === 1, 'replay');
    expect(b.state.replays[0]!.length).toBeLessThanOrEqual(5000);
    expect(b.state.replays[0]).toContain('119999\r\n120000');
    expect(b.state.replays[0]).not.toContain('100001');
  });

  it('pauses the pty while a client has too much unacked output, and resumes on ack or disconnect', async () => {
    dir = tempDir();
    const big = join(dir.path, 'big.txt');
    const lines = Math.ceil((2 * TerminalFlow.HighWatermarkChars) / 100);
    writeFileSync(big, ('x'.repeat(99) + '\n').repeat(lines)); // twice the high watermark
    const { svc, connect } = setup();
    const { proxy, port } = connect();
    const t = await proxy.create(BASH);
    const a = collect(proxy, t.id);
    await proxy.write(t.id, `cat ${big}; echo DONE-$((40+2))\r`);
    await waitFor(() => svc.isPaused(t.id), 'flow control to pause the pty');
    // The client never acked: what it was sent is bounded by the high watermark plus one batch.
    await new Promise((r) => setTimeout(r, 300));
    expect(a.state.chars).toBeLessThan(TerminalFlow.HighWatermarkChars + 210 * 1024);
    expect(a.state.text).not.toContain('DONE-42');
    // Acking everything resumes it; keep acking until the end arrives.
    let acked = 0;
    await waitFor(async () => {
      await proxy.ack(t.id, a.state.chars - acked);
      acked = a.state.chars;
      return a.state.text.includes('DONE-42\r\n');
    }, 'the whole file after acks', 20_000);
    expect(a.state.chars).toBeGreaterThan(lines * 100);
    // A client that vanishes while holding the pty paused releases it.
    await proxy.write(t.id, `cat ${big}\r`);
    await waitFor(() => svc.isPaused(t.id), 'pause again');
    port.close();
    await waitFor(() => !svc.isPaused(t.id), 'resume after the client left');
  });

  it('reports the shell exit and forgets a killed terminal', async () => {
    const { connect } = setup();
    const { proxy } = connect();
    const t = await proxy.create(BASH);
    const a = collect(proxy, t.id);
    await proxy.write(t.id, 'exit 3\r');
    await waitFor(() => a.state.exit, 'exit event');
    expect(a.state.exit).toEqual({ exit: { code: 3 } });
    expect((await proxy.list())[0]?.exit).toEqual({ code: 3 });
    await proxy.kill(t.id);
    expect(await proxy.list()).toEqual([]);
    await expect(proxy.write(t.id, 'x')).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/No terminal "t\d+"/) });
  });

  it('ends every pty on shutdown, escalating to SIGKILL for a shell that ignores SIGHUP', async () => {
    const { svc, connect } = setup();
    const { proxy } = connect();
    const stubborn = await proxy.create({ shell: '/bin/sh', args: ['-c', "trap '' HUP; echo ready; while :; do sleep 1; done"] });
    const out = collect(proxy, stubborn.id);
    await waitFor(() => out.state.text.includes('ready'), 'the stubborn shell to start');
    const pids = [(await proxy.create(BASH)).pid, (await proxy.create(BASH)).pid, stubborn.pid];
    expect(pids.every(processAlive)).toBe(true);
    await svc.shutdown();
    expect(pids.filter(processAlive)).toEqual([]);
  });

  it('refuses a missing folder, a file as folder, a missing shell and bad sizes with clear errors', async () => {
    dir = tempDir();
    writeFileSync(join(dir.path, 'f'), '');
    const { connect } = setup();
    const { proxy } = connect();
    await expect(proxy.create({ cwd: join(dir.path, 'nope') })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/does not exist\. Choose an existing folder/) });
    await expect(proxy.create({ cwd: join(dir.path, 'f') })).rejects.toMatchObject({ message: expect.stringMatching(/is not a folder/) });
    await expect(proxy.create({ shell: 'no-such-shell-xyz' })).rejects.toMatchObject({ message: expect.stringMatching(/shell "no-such-shell-xyz" was not found/) });
    await expect(proxy.create({ cols: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/cols/) });
    await expect(proxy.create({ env: { 'BAD NAME': 'x' } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(proxy.resize('t999', 10, 10)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(proxy.write('../etc', 'x')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
