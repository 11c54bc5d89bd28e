// `npm run bench`: builds the core and UI, bundles each benchmark with esbuild, runs them one after another
// (each prints its rows as JSON on its last line) and prints one table. Ratios compare against a baseline
// measured in the same run on the same machine; absolute numbers are for orientation only.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const only = process.argv.slice(2);
const benches = ['rpcRoundTrip', 'terminalThroughput', 'coldStart', 'kernelRoundTrip', 'bigNotebook', 'envDiscovery', 'envPack', 'jobStreams', 'logUi', 'chartFps', 'explorer'].filter((b) => !only.length || only.includes(b));
if (spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'inherit' }).status !== 0) process.exit(1);
mkdirSync(`${root}.test-output/bench`, { recursive: true });

const rows = [];
for (const b of benches) {
  const outfile = `${root}.test-output/bench/${b}.mjs`;
  await build({ absWorkingDir: root, entryPoints: [`scripts/bench/${b}.ts`], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'warning' });
  console.error(`bench: ${b}…`);
  const r = spawnSync(process.execPath, [outfile], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 600_000 });
  const last = r.stdout.trim().split('\n').at(-1);
  try {
    rows.push(...JSON.parse(last ?? ''));
  } catch {
    rows.push({ name: b, lathe: 'error', baseline: '', ratio: '', goal: '', ok: false, note: `exit ${r.status}` });
  }
}

const cols = ['name', 'lathe', 'baseline', 'ratio', 'goal', 'ok', 'note'];
const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? '').length)));
const line = (cells) => '| ' + cells.map((c, i) => String(c ?? '').padEnd(widths[i] ?? 0)).join(' | ') + ' |';
console.log(line(cols));
console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
for (const r of rows) console.log(line(cols.map((c) => (c === 'ok' ? (r.ok ? 'yes' : 'NO') : r[c]))));
