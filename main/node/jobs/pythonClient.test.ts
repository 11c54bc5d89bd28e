import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../../scripts/test/tempDir';
import { parseMetricLines } from './runFiles';

// The job client (resources/python/lathe) run by Debian's python3, and its metrics file as the core reads it.
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('the Python client (resources/python/lathe)', () => {
  it('is a no-op with one warning line when Lathe is absent', () => {
    const r = execFileSync('/usr/bin/python3', ['-c', 'import lathe\nfor i in range(1000):\n    lathe.log_metric("a", i)\nlathe.log_params({"x": 1})\nprint("ok", lathe.params())'], {
      env: { PATH: '/usr/bin:/bin', PYTHONPATH: resolve(ROOT, 'resources/python') },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(r.trim()).toBe('ok {}');
  });

  it('loses no point at exit, even when the background flush is busy then', () => {
    const d = tempDir('lathe-pyclient-');
    cleanups.push(d.remove);
    const code = 'import lathe, time\nfor i in range(200000):\n    lathe.log_metric("loss", 1.0 / (i + 1), step=i)\ntime.sleep(0.55)\nlathe.log_params({"done": True})\n';
    execFileSync('/usr/bin/python3', ['-c', code], { env: { PATH: '/usr/bin:/bin', PYTHONPATH: resolve(ROOT, 'resources/python'), LATHE_RUN_DIR: d.path } });
    const lines = readFileSync(join(d.path, 'metrics.jsonl'), 'utf8').trim().split('\n');
    // Points come as column batches, as the core reads them: every one, in order, exact.
    const records = parseMetricLines(lines);
    const points = records.flatMap((r) => (r.k === 'b' ? [...r.s].map((s, i) => [s, r.v[i]!] as const) : []));
    expect(points).toHaveLength(200_000);
    expect(points.every(([s, v], i) => s === i && v === 1.0 / (i + 1))).toBe(true);
    expect(records.at(-1)).toEqual({ k: 'p', d: { done: true } });
  });

  it('writes points as float64 columns the core decodes exactly; malformed records and non-numbers are dropped', () => {
    const d = tempDir('lathe-pyclient-');
    cleanups.push(d.remove);
    const code = 'import lathe\nlathe.log_metric("a", -0.1, step=2**40)\nlathe.log_metric("b", 3)\nlathe.log_metric("a", 1e-300)\nlathe.log_metric("c", 1.5, step="x")\nlathe.set_tags({"t": "1"})\n';
    const r = spawnSync('/usr/bin/python3', ['-c', code], { env: { PATH: '/usr/bin:/bin', PYTHONPATH: resolve(ROOT, 'resources/python'), LATHE_RUN_DIR: d.path }, encoding: 'utf8' });
    expect(r.stderr).toContain('lathe: metric c has a step that is not a number');
    const records = parseMetricLines(readFileSync(join(d.path, 'metrics.jsonl'), 'utf8').trim().split('\n'));
    const cols = (n: string) => records.filter((x) => x.k === 'b' && x.n === n).map((x) => (x.k === 'b' ? { v: [...x.v], s: [...x.s] } : undefined));
    expect(cols('a')).toEqual([{ v: [-0.1, 1e-300], s: [2 ** 40, 2 ** 40 + 1] }]);
    expect(cols('b')).toEqual([{ v: [3], s: [0] }]);
    expect(cols('c')).toEqual([]);
    expect(records).toContainEqual({ k: 'g', d: { t: '1' } });
    // Hand-made lines: a column of the wrong length, base64 that is not float64s, a NaN point among good ones, a torn line.
    const f64 = (xs: number[]) => Buffer.from(new Float64Array(xs).buffer).toString('base64');
    const parsed = parseMetricLines([
      JSON.stringify({ k: 'b', n: 'x', v: f64([1, 2]), s: f64([0]), t: f64([0, 0]) }),
      JSON.stringify({ k: 'b', n: 'y', v: 'AAAA', s: 'AAAA', t: 'AAAA' }),
      JSON.stringify({ k: 'b', n: 'z', v: f64([1, Number.NaN, 3]), s: f64([0, 1, 2]), t: f64([5, 6, 7]) }),
      JSON.stringify({ k: 'm', n: 'old', v: 0.5, s: 1, t: 2 }),
      '{"k":"b","n":"torn","v":"AAAA',
    ]);
    expect(parsed.map((x) => (x.k === 'b' ? [x.n, [...x.v], [...x.s], [...x.t]] : x))).toEqual([['z', [1, 3], [0, 2], [5, 7]], { k: 'm', n: 'old', v: 0.5, s: 1, t: 2 }]);
  });

  it('warns on stderr exactly once', () => {
    const r = spawnSync('/usr/bin/python3', ['-c', 'import lathe\nlathe.log_metric("a", 1)\nlathe.log_metric("b", 2)'], { env: { PATH: '/usr/bin:/bin', PYTHONPATH: resolve(ROOT, 'resources/python') }, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stderr.trim().split('\n')).toEqual(['lathe: not running under Lathe; metrics and params are not recorded']);
  });
});
