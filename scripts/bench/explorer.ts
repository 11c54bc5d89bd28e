// The explorer on a big workspace, in Debian Chromium: (1) the workspace's first level on screen (100,000 files)
// from a page reload, and (2) expanding a 10,000-entry folder until its first rows show, each against the floor of
// listing the same folder with a bare `ls -f` (no sorting, no stat) in the same run. Rounds alternate Lathe and the
// floor; min/median/max of 5 after a warm-up.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, median, report, serve } from './benchUtil';

const TOP = 100_000;
const BIG = 10_000;
const ROUNDS = 5;
const work = mkdtempSync(join(tmpdir(), 'lathe-bench-explorer-'));
const ws = join(work, 'ws');
mkdirSync(join(ws, 'big'), { recursive: true });
for (let i = 0; i < TOP; i++) writeFileSync(join(ws, `f${String(i).padStart(6, '0')}.txt`), '');
for (let i = 0; i < BIG; i++) writeFileSync(join(ws, 'big', `b${String(i).padStart(5, '0')}.csv`), '');

const ls = (dir: string) => {
  const t = performance.now();
  const r = spawnSync('ls', ['-f', dir], { maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error('ls failed');
  return performance.now() - t;
};

const core = await serve(ws);
const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
await page.goto(core.openUrl);
await page.getByRole('status', { name: 'Connection' }).filter({ hasText: 'Connected' }).waitFor();
const tree = page.getByRole('tree', { name: 'Files' });

const firstLevel: number[] = [];
const expand: number[] = [];
const lsTop: number[] = [];
const lsBig: number[] = [];
for (let round = 0; round <= ROUNDS; round++) {
  const a = ls(ws);
  const t0 = performance.now();
  await page.reload();
  await tree.getByRole('treeitem', { name: 'f000000.txt', exact: true }).waitFor();
  const top = performance.now() - t0;
  const b = ls(join(ws, 'big'));
  const big = tree.getByRole('treeitem', { name: 'big', exact: true });
  if ((await big.getAttribute('aria-expanded')) === 'true') {
    await big.click();
    await tree.getByRole('treeitem', { name: 'b00000.csv' }).waitFor({ state: 'detached' });
  }
  const t1 = performance.now();
  await big.click();
  await tree.getByRole('treeitem', { name: 'b00000.csv', exact: true }).waitFor();
  const exp = performance.now() - t1;
  // Collapse again so the next reload starts from the same state.
  await big.click();
  if (round === 0) continue; // warm-up
  firstLevel.push(top);
  expand.push(exp);
  lsTop.push(a);
  lsBig.push(b);
}
await browser.close();
core.child.kill('SIGTERM');
rmSync(work, { recursive: true, force: true });

const fmt = (xs: number[]) => `${median(xs).toFixed(0)} ms (${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)})`;
report([
  { name: `explorer: first level of ${TOP.toLocaleString()} files on screen after a reload`, lathe: fmt(firstLevel), baseline: `ls -f ${fmt(lsTop)}`, ratio: (median(firstLevel) / median(lsTop)).toFixed(1), goal: 'under 1 s', ok: median(firstLevel) < 1000, note: 'includes loading the page and connecting' },
  { name: `explorer: expand a ${BIG.toLocaleString()}-entry folder`, lathe: fmt(expand), baseline: `ls -f ${fmt(lsBig)}`, ratio: (median(expand) / median(lsBig)).toFixed(1), goal: 'under 200 ms', ok: median(expand) < 200 },
]);
