/// <reference lib="dom" />
// `cat` of a 50 MB file: pty → core → WebSocket → xterm in Chromium, vs reading the same pty directly in Node.
// Also records how long the page's main thread was blocked at worst during the flood (is it still answering?).
import { spawn as spawnPty } from 'node-pty';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, report, serve } from './benchUtil';

const MB = Number(process.env.BENCH_TERMINAL_MB ?? 50);
const dir = mkdtempSync(join(tmpdir(), 'lathe-bench-'));
const file = join(dir, 'flood.txt');
const line = 'lathe throughput benchmark line, printable ASCII only, seventy-nine chars long\n';
writeFileSync(file, line.repeat(Math.ceil((MB * 1024 * 1024) / line.length)));

function direct(): Promise<{ ms: number; chars: number }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    let chars = 0;
    const p = spawnPty('/bin/cat', [file], { cols: 120, rows: 40, cwd: dir, env: process.env as Record<string, string> });
    p.onData((d) => (chars += d.length));
    p.onExit(() => resolve({ ms: performance.now() - t0, chars }));
  });
}

async function lathe(): Promise<{ ms: number; maxLagMs: number; renderer: string }> {
  const core = await serve();
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    await page.goto(core.openUrl);
    await page.getByRole('status', { name: 'Connection' }).filter({ hasText: 'Connected' }).waitFor();
    await page.getByRole('button', { name: 'New terminal' }).click();
    const text = (n: number) => page.evaluate((lines) => (window as unknown as { __lathe: { terminalText(id: string, n: number): string } }).__lathe.terminalText('t1', lines), n);
    await page.locator('[data-terminal-id="t1"]').click();
    await page.keyboard.type('echo ready-$((1+1))\n');
    while (!(await text(10)).includes('ready-2')) await page.waitForTimeout(50);
    await page.evaluate(() => {
      const w = window as unknown as { __lag: number };
      w.__lag = 0;
      let last = performance.now();
      setInterval(() => {
        const now = performance.now();
        w.__lag = Math.max(w.__lag, now - last - 20);
        last = now;
      }, 20);
    });
    await page.keyboard.type(`cat ${file}; echo END-$((6*7))`);
    const t0 = performance.now();
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => (window as unknown as { __lathe: { terminalText(id: string, n: number): string } }).__lathe.terminalText('t1', 5).includes('END-42'), undefined, { polling: 100, timeout: 300_000 });
    const ms = performance.now() - t0;
    const maxLagMs = await page.evaluate(() => (window as unknown as { __lag: number }).__lag);
    const renderer = await page.evaluate(() => (window as unknown as { __lathe: { terminalRenderer(id: string): string } }).__lathe.terminalRenderer('t1'));
    return { ms, maxLagMs, renderer };
  } finally {
    await browser.close();
    core.child.kill('SIGTERM');
  }
}

const d = await direct();
const l = await lathe();
const d2 = await direct();
const directMs = Math.min(d.ms, d2.ms);
const mbps = (ms: number) => (MB / (ms / 1000)).toFixed(1);
const ratio = directMs / l.ms;
report([
  {
    name: `terminal: cat ${MB} MB into xterm (MB/s)`,
    lathe: mbps(l.ms),
    baseline: `${mbps(directMs)} (node-pty read directly)`,
    ratio: `${ratio.toFixed(2)}×`,
    goal: '≥ 0.5×',
    ok: ratio >= 0.5,
    note: `xterm ${l.renderer} renderer; page main thread blocked at most ${l.maxLagMs.toFixed(0)} ms during the flood`,
  },
]);
rmSync(dir, { recursive: true, force: true });
process.exit(0);
