import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { processAlive, tempDir } from '../scripts/test/tempDir';
import { CoreProcess } from './coreProcess';

const ENTRY = fileURLToPath(new URL('../dist/core/lathe.mjs', import.meta.url));
const TOKEN = 'shell-token-0123456789abcdef';
let core: CoreProcess | undefined;
let dir: ReturnType<typeof tempDir> | undefined;
afterEach(async () => {
  await core?.stop();
  dir?.remove();
  core = dir = undefined;
});


describe('CoreProcess (the real core in a child process)', () => {
  it('starts the core with the token from the environment, and restarts it on the same port after a crash', async () => {
    dir = tempDir();
    core = new CoreProcess({ entry: ENTRY, execPath: process.execPath, token: TOKEN, dataDir: dir.path, backoffMs: [50] });
    const { url, port } = await core.start();
    expect(url).toBe(`http://127.0.0.1:${port}/`);
    const withToken = await fetch(`${url}?token=${TOKEN}`, { redirect: 'manual' });
    expect(withToken.status).toBe(303);
    const first = core.pid!;
    const restarted = new Promise<{ port: number }>((resolve) => core!.once('ready', resolve));
    process.kill(first, 'SIGKILL');
    expect((await restarted).port).toBe(port);
    expect(core.pid).not.toBe(first);
    expect((await fetch(`${url}?token=${TOKEN}`, { redirect: 'manual' })).status).toBe(303);
    const pid = core.pid!;
    await core.stop();
    expect(processAlive(pid)).toBe(false);
  });

  it('gives up after repeated crashes instead of looping', async () => {
    dir = tempDir();
    core = new CoreProcess({ entry: ENTRY, execPath: process.execPath, token: TOKEN, dataDir: dir.path, backoffMs: [10], maxCrashes: 1 });
    await core.start();
    const gaveUp = new Promise<Error>((resolve) => core!.once('giveup', resolve));
    const restarted = new Promise((r) => core!.once('ready', r));
    process.kill(core.pid!, 'SIGKILL');
    await restarted;
    process.kill(core.pid!, 'SIGKILL');
    expect((await gaveUp).message).toMatch(/crashed 2 times/);
  });

  it('reports a core that dies during start-up', async () => {
    dir = tempDir();
    const broken = join(dir.path, 'broken.mjs');
    writeFileSync(broken, 'process.exit(3)');
    core = new CoreProcess({ entry: broken, execPath: process.execPath, token: TOKEN });
    await expect(core.start()).rejects.toThrow(/exited during start-up \(code 3\)/);
  });
});
