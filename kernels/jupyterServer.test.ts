import { afterEach, describe, expect, it } from 'vitest';
import { processAlive, tempDir, waitFor } from '../scripts/test/tempDir';
import { findJupyterServer } from './findJupyter';
import { JupyterServerSupervisor, type JupyterServerState } from './jupyterServer';

let sup: JupyterServerSupervisor | undefined;
let dir: ReturnType<typeof tempDir> | undefined;
afterEach(async () => {
  await sup?.stop();
  dir?.remove();
  sup = dir = undefined;
});


async function start(extra: Partial<ConstructorParameters<typeof JupyterServerSupervisor>[0]> = {}) {
  dir = tempDir();
  const lines: string[] = [];
  const states: JupyterServerState[] = [];
  const command = await findJupyterServer();
  sup = new JupyterServerSupervisor({ command, runtimeDir: `${dir.path}/jupyter`, rootDir: dir.path, log: (l) => lines.push(l), backoffMs: [50], ...extra });
  sup.onDidChangeState((s) => states.push(s));
  const info = await sup.start();
  return { info, lines, states };
}

describe('JupyterServerSupervisor (real jupyter-server)', () => {
  it('finds a Jupyter server or says exactly what to install', async () => {
    await expect(findJupyterServer({ env: { PATH: '/nonexistent' }, systemPythons: [] })).rejects.toMatchObject({
      code: 'JUPYTER_NOT_FOUND',
      message: expect.stringMatching(/apt install jupyter-server python3-ipykernel.*conda install jupyter_server ipykernel/),
    });
    await expect(findJupyterServer({ python: '/bin/false' })).rejects.toMatchObject({ code: 'JUPYTER_NOT_FOUND', message: expect.stringMatching(/cannot import jupyter_server/) });
    // This machine must have one for the rest of the suite; say how to get it if not.
    const found = await findJupyterServer().catch((e: Error) => e);
    expect(found, 'install it with: bash scripts/setup.sh (Debian jupyter-server + python3-ipykernel)').not.toBeInstanceOf(Error);
  });

  it('starts on loopback with a token, applies TCP_NODELAY, and never logs the token', async () => {
    const { info, lines, states } = await start();
    expect(info.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(states.map((s) => s.state)).toEqual(['starting', 'running']);
    expect(states[1]).toMatchObject({ nodelay: true });
    expect((await fetch(new URL('api/status', info.url))).status).toBe(403);
    const ok = await fetch(new URL('api/kernelspecs', info.url), { headers: { authorization: `token ${info.token}` } });
    expect(ok.status).toBe(200);
    expect(Object.keys(((await ok.json()) as { kernelspecs: object }).kernelspecs)).toContain('python3');
    expect(lines.join('\n')).not.toContain(info.token);
  });

  it('restarts a server that dies, and says so', async () => {
    const { info, states } = await start();
    process.kill(sup!.pid!, 'SIGKILL');
    await waitFor(() => states.some((s) => s.state === 'restarting'), 'a restarting state');
    await waitFor(() => states.at(-1)?.state === 'running', 'the server to come back', 60_000);
    const again = sup!.info;
    expect(again.url).toBe(info.url);
    expect((await fetch(new URL('api/status', again.url), { headers: { authorization: `token ${again.token}` } })).status).toBe(200);
    expect(states.find((s) => s.state === 'restarting')).toMatchObject({ reason: expect.stringMatching(/stopped unexpectedly/), attempt: 1 });
  }, 90_000);

  it('stops the server and its kernels', async () => {
    const { info } = await start();
    const auth = { authorization: `token ${info.token}`, 'content-type': 'application/json' };
    const kernel = (await (await fetch(new URL('api/kernels', info.url), { method: 'POST', headers: auth, body: '{"name":"python3"}' })).json()) as { id: string };
    expect(kernel.id).toBeTruthy();
    const serverPid = sup!.pid!;
    await sup!.stop();
    expect(sup!.state.state).toBe('stopped');
    expect(processAlive(serverPid)).toBe(false);
    await expect(fetch(new URL('api/status', info.url))).rejects.toThrow();
  }, 60_000);

  it('fails loudly with the server output when it cannot start', async () => {
    dir = tempDir();
    const command = await findJupyterServer();
    sup = new JupyterServerSupervisor({ command: { argv: [...command.argv, '--ServerApp.no_such_option_xyz=1', '--no-such-flag'], source: 'test' }, runtimeDir: `${dir.path}/j`, rootDir: dir.path });
    await expect(sup.start()).rejects.toMatchObject({ code: 'JUPYTER_START_FAILED', message: expect.stringMatching(/exited with code \d+/) });
    expect(sup.state.state).toBe('failed');
  });
});

describe('adopting the server a crashed core left running', () => {
  it('adopts only a live server with the same root that takes the remembered token; anything else is forgotten and a fresh one starts', async () => {
    let saved: import('./jupyterServer').RememberedServer | undefined;
    const memory = { load: () => saved, save: (m: typeof saved) => (saved = m) };
    const { info } = await start({ memory });
    expect(saved).toMatchObject({ url: info.url, token: info.token, pid: sup!.pid, rootDir: dir!.path });
    const firstPid = sup!.pid!;
    const keep = saved!;

    // A second supervisor on the same root adopts it: same URL and token, no new process.
    const again = new JupyterServerSupervisor({ command: await findJupyterServer(), runtimeDir: `${dir!.path}/jupyter2`, rootDir: dir!.path, memory });
    expect(await again.start()).toEqual(info);
    expect(again).toMatchObject({ adopted: true, pid: firstPid });

    // Another root, or a token it no longer takes: not adopted, memory cleared, a fresh server.
    saved = { ...keep, rootDir: '/elsewhere' };
    const otherRoot = new JupyterServerSupervisor({ command: await findJupyterServer(), runtimeDir: `${dir!.path}/jupyter4`, rootDir: dir!.path, memory });
    expect((await otherRoot.start()).url).not.toBe(info.url);
    expect(otherRoot.adopted).toBe(false);
    expect(saved!.pid).toBe(otherRoot.pid);
    await otherRoot.stop();
    expect(saved).toBeUndefined();
    const other = new JupyterServerSupervisor({ command: await findJupyterServer(), runtimeDir: `${dir!.path}/jupyter3`, rootDir: dir!.path, memory: { load: () => ({ ...keep, token: 'stale' }), save: () => undefined } });
    const fresh = await other.start();
    expect(other.adopted).toBe(false);
    expect(fresh.url).not.toBe(info.url);
    await other.stop();

    // The adopted server dying is a crash like any other: the supervisor restarts a new one.
    process.kill(-firstPid, 'SIGKILL');
    await waitFor(() => again.state.state === 'running' && again.pid !== firstPid && !again.adopted, 'a restarted server after the adopted one died', 30_000);
    await again.stop();
    expect(processAlive(firstPid)).toBe(false);
  }, 120_000);
});
