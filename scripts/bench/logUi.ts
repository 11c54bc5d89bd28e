// A 1,000,000-line job streamed into the run page in Debian Chromium: time until the page shows every
// line, against reading the same process's stdout directly (the raw pipe), and the longest main-thread
// stall while it streams (PerformanceObserver long tasks), which says whether the UI stays responsive.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { JobChannel } from '../../main/common/jobs';
import { createProxy } from '../../main/common/rpcClient';
import { connectToCore } from '../../main/server/coreClient';
import { CHROMIUM, CHROMIUM_ARGS, report, serve } from './benchUtil';

const LINES = 1_000_000;
const work = mkdtempSync(join(tmpdir(), 'lathe-bench-logui-'));

async function rawPipe(): Promise<number> {
  const t = performance.now();
  const child = spawn('seq', ['1', String(LINES)], { stdio: ['ignore', 'pipe', 'ignore'] });
  let n = 0;
  for await (const c of child.stdout as AsyncIterable<Buffer>) for (let i = c.indexOf(10); i >= 0; i = c.indexOf(10, i + 1)) n++;
  if (n !== LINES) throw new Error(`raw pipe saw ${n} lines`);
  return performance.now() - t;
}

const core = await serve(work);
const client = await connectToCore({ url: core.url, token: core.token });
const jobs = createProxy(client, JobChannel);
const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
await page.goto(core.openUrl);
await page.getByRole('button', { name: 'Jobs', exact: true }).click();
await page.evaluate(() => {
  const w = window as unknown as { __longest: number };
  w.__longest = 0;
  new PerformanceObserver((l) => {
    for (const e of l.getEntries()) w.__longest = Math.max(w.__longest, e.duration);
  }).observe({ type: 'longtask', buffered: false });
});
// The baseline is short and noisy: the median of five.
const raws: number[] = [];
for (let i = 0; i < 5; i++) raws.push(await rawPipe());
const raw = [...raws].sort((a, b) => a - b)[2]!;
const t0 = performance.now();
const run = await jobs.submit({ name: 'million', command: ['seq', '1', String(LINES)] }, { baseDir: work });
await page.getByRole('button', { name: `Run million ${run.id}` }).click();
await page.getByLabel('Log line count').filter({ hasText: new RegExp(`^${LINES.toLocaleString('en-US')} lines`) }).waitFor({ timeout: 120_000 });
const ui = performance.now() - t0;
const longest = await page.evaluate(() => (window as unknown as { __longest: number }).__longest);
// Every line is there: the last one, scrolled into view (the view follows the tail).
const last = await page.getByRole('log', { name: 'Run output' }).innerText();
await browser.close();
client.dispose();
core.child.kill('SIGTERM');
await new Promise((r) => core.child.once('exit', r));
rmSync(work, { recursive: true, force: true });
if (!last.includes(String(LINES))) throw new Error('the last line is not shown');
report([
  { name: '1M-line job into the run page', lathe: `${Math.round(ui)} ms`, baseline: `${Math.round(raw)} ms`, ratio: `${(raw / ui).toFixed(2)}x`, goal: '>= 0.5x', ok: raw / ui >= 0.5, note: `longest main-thread stall ${Math.round(longest)} ms (responsive: < 200 ms)` },
]);
