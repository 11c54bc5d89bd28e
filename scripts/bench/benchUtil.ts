import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One row of the benchmark table. */
export interface BenchRow {
  name: string;
  lathe: string;
  baseline: string;
  ratio: string;
  goal: string;
  ok: boolean;
  note?: string;
}

/** Prints the rows as the last stdout line, which run.mjs reads. */
export function report(rows: BenchRow[]): void {
  process.stdout.write('\n' + JSON.stringify(rows) + '\n');
}

/** Median of a list of numbers. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/**
 * Starts `lathe serve` from dist on a free port, with a home of its own (no ~/.bashrc of this machine); resolves with
 * its URL and token. Benchmarks use it, and tests that need a core in a process of its own (to kill it, say).
 */
export async function serve(workspace?: string, dataDir = mkdtempSync(join(tmpdir(), 'lathe-bench-'))): Promise<{ child: ChildProcess; url: string; token: string; openUrl: string; startedAt: number }> {
  const startedAt = performance.now();
  const child = spawn(process.execPath, [...(process.env.BENCH_CORE_PROF ? ['--cpu-prof', '--cpu-prof-dir=' + process.env.BENCH_CORE_PROF] : []), 'dist/core/lathe.mjs', 'serve', '--no-open', '--port', '0', '--data-dir', dataDir, '--log-level', 'warn', ...(workspace ? ['--workspace', workspace] : [])], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, HOME: dataDir, LATHE_TOKEN: '', SHELL: '/bin/bash' } });
  let out = '';
  const openUrl = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /(http:\/\/\S+\?token=\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (c) => reject(new Error(`lathe serve exited ${c}`)));
  });
  const u = new URL(openUrl);
  const token = u.searchParams.get('token')!;
  return { child, url: `${u.origin}/`, token, openUrl, startedAt };
}

/** Chromium flags that work as root in a closed network. */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
