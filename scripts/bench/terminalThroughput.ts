/// <reference lib="dom" />
// `cat` of a 50 MB file: pty → core → WebSocket → xterm in Chromium, vs reading the same pty directly in Node.
// Also records how long the page's main thread was blocked at worst during the flood (is it still answering?).
import { spawn as spawnPty } from 'node-pty';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
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

async function lathe(): Promise<{ ms: number; maxLagMs: number; renderer: string; size: { cols: number; rows: number } }> {
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
    const size = (await page.evaluate(() => (window as unknown as { __lathe: { terminalCursor(id: string): { rows: number; cols: number } } }).__lathe.terminalCursor('t1')))!;
    return { ms, maxLagMs, renderer, size: { cols: size.cols, rows: size.rows } };
  } finally {
    await browser.close();
    core.child.kill('SIGTERM');
  }
}

/**
 * The ceiling on this machine: the same bytes written into a bare xterm (same size, same DOM renderer) from
 * memory inside Chromium, with no pty, core or socket. Lathe's own overhead is the gap between this and `lathe()`.
 */
async function xtermAlone(size: { cols: number; rows: number }): Promise<{ ms: number }> {
  const bundle = await build({ stdin: { contents: "import { Terminal } from '@xterm/xterm'; (window as any).Terminal = Terminal;", loader: 'ts', resolveDir: process.cwd() }, bundle: true, format: 'iife', write: false, logLevel: 'warning' });
  const css = readFileSync('node_modules/@xterm/xterm/css/xterm.css', 'utf8');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    await page.setContent(`<style>${css} body{margin:0} #t{width:1190px;height:790px}</style><div id="t"></div>`);
    await page.addScriptTag({ content: bundle.outputFiles[0]!.text });
    const ms = await page.evaluate(
      ({ text, total, size }) =>
        new Promise<number>((resolve) => {
          const W = window as unknown as { Terminal: new (o: object) => { open(e: Element): void; write(d: string, cb?: () => void): void } };
          const t = new W.Terminal({ ...size, fontSize: 13, scrollback: 10_000, fontFamily: 'ui-monospace, "DejaVu Sans Mono", monospace' });
          t.open(document.getElementById('t')!);
          const chunk = text.replace(/\n/g, '\r\n').repeat(Math.ceil((200 * 1024) / text.length));
          // Flow control as Lathe's client does it (xterm discards writes beyond 50 MB pending): a few chunks in flight.
          let sent = 0;
          let done = 0;
          const t0 = performance.now();
          const pump = () => {
            while (sent < total && sent - done < 1_000_000) {
              sent += chunk.length;
              t.write(chunk, () => {
                done += chunk.length;
                if (done >= total) resolve(performance.now() - t0);
                else pump();
              });
            }
          };
          pump();
        }),
      { text: line, total: MB * 1024 * 1024, size },
    );
    return { ms };
  } finally {
    await browser.close();
  }
}

const d = await direct();
const l = await lathe();
const x = await xtermAlone(l.size);
const d2 = await direct();
const directMs = Math.min(d.ms, d2.ms);
const mbps = (ms: number) => (MB / (ms / 1000)).toFixed(1);
const ratio = directMs / l.ms;
const xRatio = directMs / x.ms;
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
  {
    name: `terminal: ${MB} MB written into a bare xterm from memory (MB/s)`,
    lathe: mbps(x.ms),
    baseline: `${mbps(directMs)} (node-pty read directly)`,
    ratio: `${xRatio.toFixed(2)}×`,
    goal: 'ceiling, no goal',
    ok: true,
    note: `xterm alone in Chromium (${l.size.cols}×${l.size.rows}, as Lathe's), no pty, core or socket: Lathe keeps ${((100 * x.ms) / l.ms).toFixed(0)}% of it`,
  },
]);
rmSync(dir, { recursive: true, force: true });
process.exit(0);
