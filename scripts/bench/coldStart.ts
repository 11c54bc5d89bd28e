// Cold start: `lathe serve` spawned → workbench connected and interactive in an already-running Chromium.
// Baseline, same run: a bare Node static server spawned and its page loaded in the same browser (the floor).
import { spawn } from 'node:child_process';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, median, report, serve } from './benchUtil';

const RUNS = 5;
const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });

async function latheOnce(): Promise<number> {
  const page = await browser.newPage();
  const core = await serve();
  await page.goto(core.openUrl);
  await page.getByRole('status', { name: 'Connection' }).filter({ hasText: 'Connected' }).waitFor();
  await page.getByRole('button', { name: 'New terminal' }).waitFor({ state: 'visible' });
  const ms = performance.now() - core.startedAt;
  await page.close();
  core.child.kill('SIGTERM');
  await new Promise((r) => core.child.once('exit', r));
  return ms;
}

async function bareOnce(): Promise<number> {
  const page = await browser.newPage();
  const t0 = performance.now();
  const src = `const s=require('http').createServer((q,r)=>r.end('<!doctype html><button>ready</button>'));s.listen(0,'127.0.0.1',()=>console.log('http://127.0.0.1:'+s.address().port+'/'))`;
  const child = spawn(process.execPath, ['-e', src], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((r) => child.stdout!.once('data', (d) => r(String(d).trim())));
  await page.goto(url);
  await page.getByRole('button', { name: 'ready' }).waitFor();
  const ms = performance.now() - t0;
  await page.close();
  child.kill();
  return ms;
}

await latheOnce(); // Warm the OS file cache once, as a second launch would be.
const lathe: number[] = [];
const bare: number[] = [];
for (let i = 0; i < RUNS; i++) {
  bare.push(await bareOnce());
  lathe.push(await latheOnce());
}
await browser.close();
const l = median(lathe);
const b = median(bare);
report([{ name: 'cold start: serve → interactive workbench (ms)', lathe: l.toFixed(0), baseline: `${b.toFixed(0)} (bare node http + page)`, ratio: `${(l / b).toFixed(2)}×`, goal: '< 1500 ms', ok: l < 1500, note: `median of ${RUNS}; browser already running` }]);
process.exit(0);
