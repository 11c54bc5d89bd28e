import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { processAlive, tempDirs, waitFor } from '../../../scripts/test/tempDir';
import { ShimLauncher } from './shimLauncher';

// Real shims (dist/core/jobShim.mjs, built by the test setup) started as spares and given runs.
const SHIM = resolve(fileURLToPath(new URL('../../../', import.meta.url)), 'dist/core/jobShim.mjs');
const dirs = tempDirs('lathe-shims-');
const launchers: ShimLauncher[] = [];
afterEach(() => {
  for (const l of launchers.splice(0)) l.dispose();
  dirs.cleanup();
});
const make = (keepWarmMs?: number) => {
  const root = dirs.make();
  const l = new ShimLauncher(SHIM, root, keepWarmMs);
  launchers.push(l);
  return { l, root };
};
const launch = { cwd: '/', env: { PATH: process.env.PATH! }, logCapBytes: 1 << 20, redact: [] };

describe('ShimLauncher', () => {
  it('runs a job in the spare it started ahead of time, then keeps a fresh spare', async () => {
    const { l, root } = make();
    l.warm();
    const spare = l.sparePid!;
    expect(processAlive(spare)).toBe(true);
    const run = join(root, 'r1');
    mkdirSync(run);
    const pid = await l.launch(run, { ...launch, argv: ['sh', '-c', 'echo from-the-spare'] });
    expect(pid).toBe(spare);
    await waitFor(() => existsSync(join(run, 'exit.json')), 'the run to end');
    expect(readFileSync(join(run, 'output.log'), 'utf8')).toBe('from-the-spare\n');
    expect(JSON.parse(readFileSync(join(run, 'exit.json'), 'utf8'))).toMatchObject({ code: 0, reason: 'exit', lines: 1 });
    expect(l.sparePid).toBeDefined();
    expect(l.sparePid).not.toBe(spare);
  });

  it("keeps the core's token and store key out of the spare's own environment", () => {
    const saved = { t: process.env.LATHE_TOKEN, k: process.env.LATHE_STORE_KEY };
    process.env.LATHE_TOKEN = 'core-token-xyz';
    process.env.LATHE_STORE_KEY = 'store-key-xyz';
    try {
      const { l } = make();
      l.warm();
      const environ = readFileSync(`/proc/${l.sparePid}/environ`, 'utf8');
      expect(environ).toContain('PATH=');
      expect(environ).not.toContain('core-token-xyz');
      expect(environ).not.toContain('store-key-xyz');
    } finally {
      for (const [k, v] of [['LATHE_TOKEN', saved.t], ['LATHE_STORE_KEY', saved.k]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  it('starts a shim on the spot when there is no spare', async () => {
    const { l, root } = make();
    const run = join(root, 'r1');
    mkdirSync(run);
    await l.launch(run, { ...launch, argv: ['sh', '-c', 'exit 4'] });
    await waitFor(() => existsSync(join(run, 'exit.json')), 'the run to end');
    expect(JSON.parse(readFileSync(join(run, 'exit.json'), 'utf8'))).toMatchObject({ code: 4 });
  });

  it('retires its spare when idle and when disposed', async () => {
    const idle = make(300).l;
    idle.warm();
    const a = idle.sparePid!;
    await waitFor(() => !processAlive(a), 'the idle spare to exit', 5000);
    expect(idle.sparePid).toBeUndefined();
    const { l } = make();
    l.warm();
    const b = l.sparePid!;
    l.dispose();
    await waitFor(() => !processAlive(b), 'the disposed spare to exit', 5000);
  });

  it('a spare whose core dies goes with it (its stdin closes), leaving no process behind', async () => {
    // A stand-in core: a node process that starts a spare the way ShimLauncher does and is then SIGKILLed.
    const core = spawn(process.execPath, ['-e', `const c = require('node:child_process').spawn(process.execPath, [${JSON.stringify(SHIM)}, '--spare'], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] }); console.log(c.pid); setInterval(() => {}, 1000);`], { stdio: ['ignore', 'pipe', 'ignore'] });
    const spare = Number(await new Promise<string>((res) => core.stdout!.once('data', (d) => res(String(d)))));
    expect(processAlive(spare)).toBe(true);
    core.kill('SIGKILL');
    await waitFor(() => !processAlive(spare), 'the orphaned spare to exit', 5000);
  });
});
