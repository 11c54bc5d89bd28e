// Charts: 3 runs of 100,000 points each overlaid on one chart, one of them still logging, in Debian Chromium.
// Measures frames per second (requestAnimationFrame) on the run page while points stream in, against the
// same page with nothing updating (the baseline), and the time until all 300,000 points are charted.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { JobChannel, type RunInfo } from '../../main/common/jobs';
import { createProxy } from '../../main/common/rpcClient';
import { connectToCore } from '../../main/server/coreClient';
import { CHROMIUM, CHROMIUM_ARGS, report, serve } from './benchUtil';

const work = mkdtempSync(join(tmpdir(), 'lathe-bench-chart-'));
writeFileSync(join(work, 'fast.py'), 'import lathe, math\nfor i in range(100000):\n    lathe.log_metric("loss", math.exp(-i / 20000) + 0.01 * math.sin(i / 50), step=i)\n');
writeFileSync(join(work, 'live.py'), 'import lathe, math, time\nfor i in range(100000):\n    lathe.log_metric("loss", math.exp(-i / 30000), step=i)\n    if i % 1000 == 0: time.sleep(0.08)\n');
const core = await serve(work);
const client = await connectToCore({ url: core.url, token: core.token });
const jobs = createProxy(client, JobChannel);
const ended = (id: string) => new Promise<RunInfo>((res) => jobs.onDidChangeRun((r) => r.id === id && r.status !== 'running' && r.status !== 'queued' && res(r)));
const a = await jobs.submit({ name: 'fast-a', command: ['/usr/bin/python3', 'fast.py'] }, { baseDir: work });
const b = await jobs.submit({ name: 'fast-b', command: ['/usr/bin/python3', 'fast.py'] }, { baseDir: work });
await Promise.all([ended(a.id), ended(b.id)]);

const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
await page.goto(core.openUrl);
await page.getByRole('button', { name: 'Jobs', exact: true }).click();
const fps = (ms: number) =>
  page.evaluate(
    (d) =>
      new Promise<number>((res) => {
        let n = 0;
        const t0 = performance.now();
        const f = () => (performance.now() - t0 < d ? (n++, requestAnimationFrame(f)) : res((n * 1000) / (performance.now() - t0)));
        requestAnimationFrame(f);
      }),
    ms,
  );
// Baseline: the same page, idle.
await page.getByRole('button', { name: /^Run fast-a / }).click();
await page.getByRole('figure', { name: 'Metric loss' }).waitFor();
const idle = await fps(3000);

const live = await jobs.submit({ name: 'live', command: ['/usr/bin/python3', 'live.py'] }, { baseDir: work });
await page.getByRole('button', { name: /^Run live / }).click();
await page.getByLabel('Compare with runs').selectOption([{ label: `fast-a ${a.id}` }, { label: `fast-b ${b.id}` }]);
const t0 = Date.now();
await page.waitForFunction(() => Number(document.querySelector('figure[aria-label="Metric loss"]')?.getAttribute('data-points')) >= 200_000);
const firstMs = Date.now() - t0;
const during = await fps(4000);
await ended(live.id);
await page.waitForFunction(() => Number(document.querySelector('figure[aria-label="Metric loss"]')?.getAttribute('data-points')) >= 300_000, undefined, { timeout: 60_000 });
const totalMs = Date.now() - t0;
await browser.close();
client.dispose();
core.child.kill('SIGTERM');
await new Promise((r) => core.child.once('exit', r));
rmSync(work, { recursive: true, force: true });
report([
  { name: 'chart 3 x 100k points, live', lathe: `${during.toFixed(0)} fps`, baseline: `${idle.toFixed(0)} fps`, ratio: `${(during / idle).toFixed(2)}x`, goal: '>= 30 fps', ok: during >= 30, note: `2 finished runs charted in ${firstMs} ms; all 300k in ${(totalMs / 1000).toFixed(1)} s (the live run logs for ~8 s)` },
]);
