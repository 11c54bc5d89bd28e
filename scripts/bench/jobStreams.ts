// Jobs, end to end through a real core (`lathe serve`) and its WebSocket RPC (the UI's transport):
// 1. Log streaming: a job printing 1,000,000 lines, every line received by a subscribed client in order,
//    vs reading the same process's stdout directly in this process (the raw pipe), each side checking every
//    line the same way. Goal >= 0.5x.
// 2. Metric ingest: a Python job logging 1,000,000 points with lathe.log_metric until they are all in SQLite,
//    vs a bare batched better-sqlite3 insert loop of as many rows in this process. Goal >= 0.5x. A million points
//    measure sustained throughput; the job's start and end (about 0.1 s, measured with one point) are included.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { JobChannel, type RunInfo } from '../../main/common/jobs';
import { createProxy } from '../../main/common/rpcClient';
import { connectToCore } from '../../main/server/coreClient';
import { report, serve } from './benchUtil';

const LINES = 1_000_000;
const POINTS = 1_000_000;
const work = mkdtempSync(join(tmpdir(), 'lathe-bench-jobs-'));

async function rawPipe(): Promise<number> {
  const t = performance.now();
  const child = spawn('seq', ['1', String(LINES)], { stdio: ['ignore', 'pipe', 'ignore'] });
  // The same per-line work as the Lathe client below: every line checked, in order.
  let expected = 1;
  let rest = '';
  for await (const c of child.stdout as AsyncIterable<Buffer>) {
    const parts = (rest + c.toString()).split('\n');
    rest = parts.pop()!;
    for (const l of parts) {
      if (l !== String(expected)) throw new Error(`raw pipe: line ${expected} came as "${l}"`);
      expected++;
    }
  }
  if (expected - 1 !== LINES) throw new Error(`raw pipe saw ${expected - 1} lines`);
  return performance.now() - t;
}

const core = await serve(work);
const client = await connectToCore({ url: core.url, token: core.token });
const jobs = createProxy(client, JobChannel);
const ended = (id: string) =>
  new Promise<RunInfo>((res) => {
    const sub = jobs.onDidChangeRun((r) => r.id === id && r.status !== 'queued' && r.status !== 'running' && (sub.dispose(), res(r)));
  });

async function latheLogs(): Promise<number> {
  const t = performance.now();
  const run = await jobs.submit({ name: 'lines', command: ['seq', '1', String(LINES)] }, { baseDir: work });
  let expected = 1;
  await new Promise<void>((res, rej) => {
    const sub = jobs.onDidLog({ id: run.id })((c) => {
      // Every line, in order: checked on the text as a client receives it.
      for (const l of c.count ? c.text.slice(0, -1).split('\n') : []) {
        if (l !== String(expected)) rej(new Error(`line ${expected} came as "${l}"`));
        expected++;
      }
      if (c.end) {
        sub.dispose();
        res();
      }
    });
  });
  if (expected - 1 !== LINES) throw new Error(`lathe delivered ${expected - 1} lines`);
  return performance.now() - t;
}

writeFileSync(join(work, 'metrics.py'), `import lathe\nfor i in range(${POINTS}):\n    lathe.log_metric("loss", 1.0 / (i + 1), step=i)\n`);
async function latheIngest(): Promise<number> {
  const t = performance.now();
  const run = await jobs.submit({ name: 'metrics', command: ['/usr/bin/python3', 'metrics.py'] }, { baseDir: work });
  const done = ended(run.id);
  await done;
  const d = await jobs.get(run.id);
  const loss = d.metrics.find((m) => m.name === 'loss');
  if (loss?.count !== POINTS) throw new Error(`ingested ${loss?.count} points`);
  return performance.now() - t;
}

function bareInsert(): number {
  const db = new Database(join(work, `bare-${Date.now()}.db`));
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE run_metrics (run_id TEXT NOT NULL, name TEXT NOT NULL, step REAL NOT NULL, value REAL NOT NULL, t REAL NOT NULL); CREATE INDEX i ON run_metrics (run_id, name, step);');
  const ins = db.prepare('INSERT INTO run_metrics VALUES (?, ?, ?, ?, ?)');
  const t = performance.now();
  for (let b = 0; b < POINTS; b += 1000) {
    db.transaction(() => {
      for (let i = b; i < b + 1000; i++) ins.run('r1', 'loss', i, 1 / (i + 1), Date.now() / 1000);
    })();
  }
  const ms = performance.now() - t;
  db.close();
  return ms;
}

const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const raw: number[] = [];
const lathe: number[] = [];
const ing: number[] = [];
const bare: number[] = [];
for (let i = 0; i < 3; i++) {
  raw.push(await rawPipe());
  lathe.push(await latheLogs());
  bare.push(bareInsert());
  ing.push(await latheIngest());
}
client.dispose();
core.child.kill('SIGTERM');
await new Promise((r) => core.child.once('exit', r));
rmSync(work, { recursive: true, force: true });
const rate = (n: number, ms: number) => `${Math.round(n / (ms / 1000)).toLocaleString('en')}/s`;
report([
  { name: '1M log lines job → client', lathe: rate(LINES, med(lathe)), baseline: rate(LINES, med(raw)), ratio: `${(med(raw) / med(lathe)).toFixed(2)}x`, goal: '>= 0.5x', ok: med(raw) / med(lathe) >= 0.5, note: 'baseline: reading the process stdout; every line checked, in order' },
  { name: '1M metric points → SQLite', lathe: rate(POINTS, med(ing)), baseline: rate(POINTS, med(bare)), ratio: `${(med(bare) / med(ing)).toFixed(2)}x`, goal: '>= 0.5x', ok: med(bare) / med(ing) >= 0.5, note: 'lathe: python client → file → core; baseline: batched inserts' },
]);
