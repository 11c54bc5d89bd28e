/// <reference lib="dom" />
// Open a generated 2,000-cell notebook with outputs to its first screen, in the same Chromium: Lathe vs the
// classic Jupyter Notebook 6 (Debian package jupyter-notebook). Both are timed from navigation to the first
// cells drawn with their outputs.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { freePort } from '../../kernels/jupyterServer';
import { CHROMIUM, CHROMIUM_ARGS, median, report, serve } from './benchUtil';

const CELLS = 2000;
const RUNS = 3;
const ws = mkdtempSync(join(tmpdir(), 'lathe-bench-nb-'));
execFileSync('/usr/bin/python3', [
  '-c',
  `import nbformat
from nbformat.v4 import new_notebook, new_code_cell, new_markdown_cell, new_output
cells = []
for i in range(${CELLS}):
    if i % 10 == 0:
        cells.append(new_markdown_cell('## Section %d\\nSome *text* here.' % i))
    else:
        cells.append(new_code_cell('x%d = [j * %d for j in range(10)]\\nprint(x%d)' % (i, i, i), execution_count=i,
            outputs=[new_output('stream', name='stdout', text=str([j * i for j in range(10)]) + '\\n'),
                     new_output('execute_result', data={'text/plain': repr(i)}, execution_count=i)]))
nbformat.write(new_notebook(cells=cells, metadata={'kernelspec': {'name': 'python3', 'display_name': 'Python 3', 'language': 'python'}}), '${ws}/big.ipynb')`,
]);

const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });

async function lathe(): Promise<number> {
  const core = await serve(ws);
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  await page.goto(core.openUrl);
  await page.getByRole('status', { name: 'Connection' }).filter({ hasText: 'Connected' }).waitFor();
  await page.getByRole('button', { name: 'Notebooks', exact: true }).click();
  await page.getByLabel('Notebook path (in the workspace)').fill('big.ipynb');
  const t0 = performance.now();
  await page.getByRole('button', { name: 'Open' }).click();
  await page.locator('[data-cell-index="1"] .outputs').waitFor();
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(undefined))));
  const ms = performance.now() - t0;
  if (scroll === undefined) {
    // Scroll the whole notebook top to bottom in 3 s, one step per frame, counting frames: smoothness.
    scroll = await page.evaluate(
      () =>
        new Promise<{ fps: number; worst: number }>((res) => {
          const el = document.querySelector('.notebook-cells') as HTMLElement;
          const t0 = performance.now();
          let frames = 0;
          let last = t0;
          let worst = 0;
          const step = (now: number) => {
            frames++;
            worst = Math.max(worst, now - last);
            last = now;
            const f = (now - t0) / 3000;
            el.scrollTop = f * (el.scrollHeight - el.clientHeight);
            if (f < 1) requestAnimationFrame(step);
            else res({ fps: (frames * 1000) / (now - t0), worst });
          };
          requestAnimationFrame(step);
        }),
    );
  }
  await page.close();
  core.child.kill('SIGTERM');
  return ms;
}

async function classic(): Promise<number | undefined> {
  if (!existsSync('/usr/bin/jupyter-notebook')) return undefined;
  const token = 'bench-token-0123456789';
  const port = await freePort();
  const nb = spawn('/usr/bin/jupyter-notebook', ['--no-browser', '--allow-root', `--port=${port}`, '--ip=127.0.0.1', `--notebook-dir=${ws}`, '--NotebookApp.port_retries=0', `--NotebookApp.token=${token}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  const base = await new Promise<string>((resolve) => {
    let out = '';
    const on = (d: Buffer) => {
      out += d;
      const m = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out) ?? /(http:\/\/localhost:\d+\/)/.exec(out);
      if (m) resolve(m[1]!);
    };
    nb.stdout!.on('data', on);
    nb.stderr!.on('data', on);
  });
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  await page.goto(`${base}tree?token=${token}`);
  const t0 = performance.now();
  await page.goto(`${base}notebooks/big.ipynb`);
  await page.waitForFunction(() => (window as unknown as { IPython?: { notebook?: { _fully_loaded?: boolean } } }).IPython?.notebook?._fully_loaded === true, undefined, { timeout: 300_000 });
  await page.locator('.cell .output_area').first().waitFor();
  const ms = performance.now() - t0;
  await page.close();
  nb.kill('SIGTERM');
  return ms;
}

let scroll: { fps: number; worst: number } | undefined;
const l: number[] = [];
const c: number[] = [];
for (let i = 0; i < RUNS; i++) {
  l.push(await lathe());
  const x = await classic();
  if (x !== undefined) c.push(x);
}
await browser.close();
const lm = median(l);
const cm = c.length ? median(c) : undefined;
report([
  {
    name: `notebook: open ${CELLS} cells with outputs (ms)`,
    lathe: lm.toFixed(0),
    baseline: cm === undefined ? 'n/a (install jupyter-notebook)' : `${cm.toFixed(0)} (Jupyter Notebook 6)`,
    ratio: cm === undefined ? '' : `${(cm / lm).toFixed(1)}× faster`,
    goal: '≥ 3× faster and < 1500 ms',
    ok: cm !== undefined && cm / lm >= 3 && lm < 1500,
    note: `median of ${RUNS}; first cells drawn with outputs`,
  },
  {
    name: `notebook: scroll ${CELLS} cells top to bottom`,
    lathe: `${scroll!.fps.toFixed(0)} fps`,
    baseline: '60 fps (display)',
    ratio: `${(scroll!.fps / 60).toFixed(2)}x`,
    goal: '>= 30 fps',
    ok: scroll!.fps >= 30,
    note: `3 s scroll, one step per frame; longest frame ${scroll!.worst.toFixed(0)} ms`,
  },
]);
process.exit(0);
