// A 1,000,000-line job streamed into the run page in Debian Chromium: time until the page shows every
// line, against reading the same process's stdout directly (the raw pipe), and the longest main-thread
// stall while it streams (PerformanceObserver long tasks), which says whether the UI stays responsive.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { WebSocketServer } from 'ws';
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

/**
 * The ceiling on this machine: the same lines, already in memory, sent by a bare `ws` server in 2 MiB text frames
 * to a page that only counts them (no job, core, store or view). What any design that hands the page every line
 * over a WebSocket pays here; the median of three.
 */
async function bareSocket(page: Page): Promise<number> {
  let text = '';
  for (let i = 1; i <= LINES; i++) text += `${i}\n`;
  const http = createServer((_, res) => res.end());
  const wss = new WebSocketServer({ server: http });
  wss.on('connection', (ws) =>
    ws.on('message', () => {
      for (let at = 0; at < text.length; at += 2 << 20) ws.send(text.slice(at, at + (2 << 20)));
    }),
  );
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const port = (http.address() as { port: number }).port;
  const times: number[] = [];
  for (let k = 0; k < 3; k++) {
    times.push(
      await page.evaluate(
        ([port, want]) =>
          new Promise<number>((res) => {
            const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
            let t0 = 0;
            let n = 0;
            ws.onopen = () => {
              t0 = performance.now();
              ws.send('go');
            };
            ws.onmessage = (e) => {
              const s = e.data as string;
              for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) n++;
              if (n === want) {
                res(performance.now() - t0);
                ws.close();
              }
            };
          }),
        [port, LINES] as const,
      ),
    );
  }
  wss.close();
  http.close();
  return [...times].sort((a, b) => a - b)[1]!;
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
// On a blank page of its own (the workbench's content security policy allows only its own socket).
const blank = await browser.newPage();
const ceiling = await bareSocket(blank);
await blank.close();
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
  { name: '1M lines from a bare ws server into a page', lathe: `${Math.round(ceiling)} ms`, baseline: `${Math.round(raw)} ms`, ratio: `${(raw / ceiling).toFixed(2)}x`, goal: 'ceiling, no goal', ok: true, note: 'no job, core, store or view: the WebSocket into Chromium alone' },
]);
