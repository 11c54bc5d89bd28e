import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { chunkLines, skipLines, type LogChunk, type MetricSeries, type RunInfo } from '../../common/jobs';
import { processAlive, waitFor } from '../../../scripts/test/tempDir';
import { makeInstallation, pythonEnv } from '../../../scripts/test/condaFixture';
import type { Db } from '../../base/node/database';
import type { JobServiceConfig } from './jobService';
import { jobsWorld, runEnded as ended } from '../../../scripts/test/jobsFixture';

// Integration: real processes under the real shim (dist/core/jobShim.mjs, built by the test setup),
// Debian's python3 with scikit-learn for the training job, git for lineage, SQLite for metrics.
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
const setup = (extra: Partial<JobServiceConfig> = {}, reuse?: { dir: string; db: Db }) => jobsWorld(cleanups, extra, reuse);

describe('jobs on local processes', () => {
  it('runs a command, stores stdout and stderr apart, records exit code and git lineage', async () => {
    const { jobs, work } = setup();
    execFileSync('git', ['init', '-q'], { cwd: work });
    writeFileSync(join(work, 'a.txt'), 'one');
    execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', 'add', '.'], { cwd: work });
    execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-qm', 'init'], { cwd: work });
    writeFileSync(join(work, 'a.txt'), 'two'); // dirty
    const run = await jobs.submit({ name: 'hello', command: ['sh', '-c', 'echo out-line; echo err-line >&2; echo "param=$LATHE_PARAMS"; exit 3'], params: { lr: 0.1 } }, { baseDir: work });
    expect(run.status).toMatch(/queued|running/);
    const done = (await ended(jobs, run.id))!;
    expect(done).toMatchObject({ status: 'failed', exitCode: 3, reason: 'exit 3' });
    const chunk = await jobs.logs(run.id);
    const logs = { lines: chunkLines(chunk), end: chunk.end };
    // stdout and stderr are separate pipes: each keeps its order, their interleaving is the OS's.
    expect(logs.lines.filter((l) => l.s === 'o').map((l) => l.l)).toEqual(['out-line', 'param={"lr":0.1}']);
    expect(logs.lines.filter((l) => l.s === 'e').map((l) => l.l)).toEqual(['err-line']);
    expect(logs.end).toBe(true);
    const d = await jobs.get(run.id);
    expect(d.lineage).toMatchObject({ command: ['sh', '-c', expect.any(String)], workdir: work, git: { root: work, branch: expect.any(String), commit: expect.stringMatching(/^[0-9a-f]{40}$/), dirty: true, diffSha256: expect.stringMatching(/^[0-9a-f]{64}$/) }, env: { kind: 'path' } });
  });

  it('trains a scikit-learn model, logging a metric per epoch, params and the model artifact', async () => {
    const { jobs, work } = setup();
    writeFileSync(
      join(work, 'train.py'),
      `import pickle, lathe
from sklearn.datasets import load_iris
from sklearn.linear_model import SGDClassifier
X, y = load_iris(return_X_y=True)
p = lathe.params()
lathe.log_params({"epochs": p["epochs"], "alpha": p["alpha"]})
clf = SGDClassifier(alpha=p["alpha"], random_state=0)
for epoch in range(p["epochs"]):
    clf.partial_fit(X, y, classes=[0, 1, 2])
    lathe.log_metric("accuracy", clf.score(X, y), step=epoch)
    print("epoch", epoch, flush=True)
with open("model.pkl", "wb") as f:
    pickle.dump(clf, f)
lathe.log_artifact("model.pkl")
lathe.set_tags({"dataset": "iris"})
`,
    );
    const run = await jobs.submit({ name: 'train-iris', script: 'train.py', params: { epochs: 8, alpha: 0.001 } }, { baseDir: work });
    const live: MetricSeries[][] = [];
    jobs.onDidMetric({ id: run.id })((m) => live.push(m));
    const done = (await ended(jobs, run.id, 60_000))!;
    if (done.status !== 'succeeded') console.log(chunkLines(await jobs.logs(run.id)).map((l) => l.l).join('\n'));
    expect(done.status).toBe('succeeded');
    const [acc] = await jobs.metrics(run.id, ['accuracy']);
    expect(acc!.name).toBe('accuracy');
    expect(acc!.points.map((p) => p.step)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(acc!.points.every((p) => p.value >= 0 && p.value <= 1)).toBe(true);
    expect(live.flat().filter((s) => s.name === 'accuracy').flatMap((s) => s.points).length).toBe(8);
    const d = await jobs.get(run.id);
    expect(d.params).toEqual({ epochs: 8, alpha: 0.001 });
    expect(d.tags).toEqual({ dataset: 'iris' });
    expect(d.artifacts).toEqual([join(work, 'model.pkl')]);
    expect(existsSync(join(work, 'model.pkl'))).toBe(true);
    expect(d.metrics.filter((m) => !m.name.startsWith('system/'))).toEqual([expect.objectContaining({ name: 'accuracy', count: 8 })]);
  });

  it('a job submitted without a folder of its own (from the app) runs relative to the workspace, not the home folder', async () => {
    const { work } = setup();
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(work, 'sub'));
    const { jobs } = setup({ workspace: work, env: { ...process.env, HOME: '/nonexistent-home' } });
    const run = await jobs.submit({ name: 'where', command: ['pwd'], workdir: 'sub' });
    expect((await ended(jobs, run.id))!.status).toBe('succeeded');
    expect(chunkLines(await jobs.logs(run.id)).map((l) => l.l)).toEqual([join(work, 'sub')]);
  });

  it('a script without an env runs with the notebooks’ Python, recorded in the lineage (not whatever python3 is first on PATH)', async () => {
    const { work } = setup();
    const { mkdirSync, symlinkSync } = await import('node:fs');
    mkdirSync(join(work, 'py'));
    // A link of its own, so sys.executable shows which Python ran (python3 on PATH may be the same binary).
    symlinkSync('/usr/bin/python3', join(work, 'py', 'notebook-python'));
    const { jobs } = setup({ defaultPython: async () => join(work, 'py', 'notebook-python') });
    writeFileSync(join(work, 'which.py'), 'import sys, sklearn\nprint(sys.executable)\n');
    const run = await jobs.submit({ name: 'which', script: 'which.py' }, { baseDir: work });
    expect((await ended(jobs, run.id))!.status).toBe('succeeded');
    expect(chunkLines(await jobs.logs(run.id)).map((l) => l.l)).toEqual([join(work, 'py', 'notebook-python')]);
    expect((await jobs.get(run.id)).lineage).toMatchObject({ command: [join(work, 'py', 'notebook-python'), 'which.py'], env: { kind: 'path', python: join(work, 'py', 'notebook-python') } });
  });

  it('rejects bad specs with the field and the reason, before anything runs', async () => {
    const { jobs, work } = setup();
    const bad = async (spec: unknown) => jobs.submit(spec, { baseDir: work }).then(() => undefined, (e: { code: string; message: string }) => e);
    expect(await bad({ name: 'x' })).toMatchObject({ code: 'INVALID_SPEC', message: expect.stringContaining('command: give exactly one of command, script or notebook') });
    expect(await bad({ name: 'x', command: ['true'], retries: -1 })).toMatchObject({ code: 'INVALID_SPEC', message: expect.stringContaining('retries:') });
    expect(await bad({ name: 'x', command: ['true'], colour: 'red' })).toMatchObject({ code: 'INVALID_SPEC', message: expect.stringContaining('colour') });
    expect(await bad({ name: 'x', command: ['true'], timeout: '5 minutes' })).toMatchObject({ message: expect.stringContaining('timeout') });
    expect(await bad({ name: 'x', command: ['true'], workdir: 'nope' })).toMatchObject({ message: expect.stringContaining('workdir:') });
    expect(await bad({ name: 'x', command: ['true'], env: { conda: 'missing-env' } })).toMatchObject({ message: expect.stringContaining('env: No env named "missing-env"') });
    expect(await bad({ name: 'x', command: ['true'], resources: { gpus: 1 } })).toMatchObject({ code: 'NOT_ENOUGH_GPUS' });
    expect(await bad({ name: 'x', command: ['true'], secrets: ['NOPE'] })).toMatchObject({ code: 'MISSING_SECRET', message: expect.stringContaining('LATHE_SECRET_NOPE') });
    expect(await bad({ name: 'x', command: ['true'], target: { docker: { host: 'unix:///nonexistent/docker.sock', image: 'lathe/base:1' } } })).toMatchObject({ code: 'ENGINE_UNAVAILABLE', message: expect.stringContaining('podman system service') });
    expect(await jobs.list()).toEqual([]);
  });

  it('a command that does not exist fails with a clear reason', async () => {
    const { jobs, work } = setup();
    const run = await jobs.submit({ name: 'x', command: ['no-such-program-here'] }, { baseDir: work });
    const done = await ended(jobs, run.id);
    expect(done).toMatchObject({ status: 'failed', reason: expect.stringContaining('could not start') });
    expect(chunkLines(await jobs.logs(run.id))[0]!.l).toContain('cannot start no-such-program-here');
  });

  it('cancel kills the whole process tree; a timeout does the same', async () => {
    const { jobs, work } = setup();
    const run = await jobs.submit({ name: 'tree', command: ['sh', '-c', 'sleep 300 & echo "child $!"; wait'] }, { baseDir: work });
    const line = (await waitFor(async () => chunkLines(await jobs.logs(run.id)).find((l) => l.l.startsWith('child ')), 'the child pid line'))!;
    const child = Number(line.l.split(' ')[1]);
    expect(processAlive(child)).toBe(true);
    await jobs.cancel(run.id);
    expect(await ended(jobs, run.id)).toMatchObject({ status: 'cancelled' });
    await waitFor(() => !processAlive(child), 'the grandchild to be gone');
    // A cancel that lands while the supervisor is still starting is a cancel too, not a lost run.
    const quick = await jobs.submit({ name: 'quick', command: ['sleep', '300'] }, { baseDir: work });
    await waitFor(async () => (await jobs.list({ status: ['running'] })).some((r) => r.id === quick.id), 'the run to start');
    await jobs.cancel(quick.id);
    expect(await ended(jobs, quick.id)).toMatchObject({ status: 'cancelled' });
    const slow = await jobs.submit({ name: 'slow', command: ['sleep', '30'], timeout: '1s' }, { baseDir: work });
    expect(await ended(jobs, slow.id)).toMatchObject({ status: 'timed_out', reason: 'timed out after 1s' });
  });

  it('retries a failing run, then reruns a finished one on request', async () => {
    const { jobs, work } = setup();
    const run = await jobs.submit({ name: 'flaky', command: ['sh', '-c', 'exit 1'], retries: 2 }, { baseDir: work });
    const all = (await waitFor(async () => {
      const l = (await jobs.list()).filter((r) => r.name === 'flaky');
      return l.length === 3 && l.every((r) => r.status === 'failed') ? l : undefined;
    }, 'three failed attempts'))!;
    expect(all.map((r) => r.attempt).sort()).toEqual([1, 2, 3]);
    expect(all.find((r) => r.attempt === 2)!.rerunOf).toBe(run.id);
    const again = await jobs.rerun(run.id);
    expect(again).toMatchObject({ name: 'flaky', attempt: 1, rerunOf: run.id });
  });

  it('keeps secrets out of the logs and the stored spec', async () => {
    const { jobs, work, db } = setup();
    const run = await jobs.submit({ name: 's', command: ['sh', '-c', 'echo "token is $API_TOKEN"'], secrets: ['API_TOKEN'] }, { baseDir: work });
    await ended(jobs, run.id);
    expect(chunkLines(await jobs.logs(run.id)).map((l) => l.l)).toEqual(['token is ***']);
    const rows = JSON.stringify(db.prepare('SELECT * FROM runs').all());
    expect(rows).not.toContain('s3cr3t-value-xyz');
    // Encoded, or written in two halves with a pause between (issue 14): still blanked.
    const py = "import os, sys, time, base64; s = os.environ['API_TOKEN']; print(base64.b64encode(s.encode()).decode()); print(s.encode().hex()); sys.stdout.write('half=' + s[:5]); sys.stdout.flush(); time.sleep(0.3); print(s[5:])";
    const enc = await jobs.submit({ name: 'enc', command: ['/usr/bin/python3', '-c', py], secrets: ['API_TOKEN'] }, { baseDir: work });
    await ended(jobs, enc.id);
    expect(chunkLines(await jobs.logs(enc.id)).map((l) => l.l)).toEqual(['***', '***', 'half=***']);
  });

  it('takes array and tensor-like metric values, read in the background flush; a value that is not one number is skipped, saying so', async () => {
    const { jobs, work } = setup();
    writeFileSync(join(work, 'vals.py'), 'import numpy as np, lathe\nlathe.log_metric("m", np.float32(0.5))\nlathe.log_metric("m", np.array(0.25))\nlathe.log_metric("m", np.array([1.0, 2.0]))\nlathe.log_metric("m", 3)\nlathe.log_metric("m", float("nan"))\n');
    const run = await jobs.submit({ name: 'vals', command: ['/usr/bin/python3', 'vals.py'] }, { baseDir: work });
    expect(await ended(jobs, run.id)).toMatchObject({ status: 'succeeded' });
    const [m] = await jobs.metrics(run.id, ['m']);
    expect(m!.points.map((p) => [p.step, p.value])).toEqual([[0, 0.5], [1, 0.25], [3, 3]]);
    expect(chunkLines(await jobs.logs(run.id)).map((l) => l.l)).toEqual([expect.stringMatching(/^lathe: metric m at step 2 is not a single number \(.+\); skipped$/)]);
  });

  it('takes secrets from the encrypted store before the core environment', async () => {
    const { jobs, work } = setup({ secrets: { reveal: (n) => (n === 'API_TOKEN' ? 'from-the-store-123' : undefined) } });
    const run = await jobs.submit({ name: 's', command: ['sh', '-c', 'test "$API_TOKEN" = from-the-store-123 && echo "store $API_TOKEN"'], secrets: ['API_TOKEN'] }, { baseDir: work });
    expect(await ended(jobs, run.id)).toMatchObject({ status: 'succeeded' });
    expect(chunkLines(await jobs.logs(run.id)).map((l) => l.l)).toEqual(['store ***']);
  });

  it('never gives a GPU to two runs: the third waits for one to free up', async () => {
    const { jobs, work } = setup({ gpuProbe: async () => ['0', '1'], concurrency: 8 });
    const runs: RunInfo[] = [];
    for (let i = 0; i < 3; i++) runs.push(await jobs.submit({ name: `g${i}`, command: ['sh', '-c', 'echo "gpu=$CUDA_VISIBLE_DEVICES"; sleep 1'], resources: { gpus: 1 } }, { baseDir: work }));
    await waitFor(async () => (await jobs.list({ status: ['running'] })).length === 2, 'two runs on the two GPUs');
    expect((await jobs.list({ status: ['queued'] })).map((r) => r.name)).toEqual(['g2']);
    for (const r of runs) await ended(jobs, r.id);
    const gpus = await Promise.all(runs.map(async (r) => chunkLines(await jobs.logs(r.id))[0]!.l));
    expect(gpus.slice(0, 2).sort()).toEqual(['gpu=0', 'gpu=1']);
  });

  it('a core that was away while the log rotated past it resumes with every line numbered right, and says what was lost', async () => {
    const first = setup({ logCapBytes: 4000 });
    // 200 lines, a pause (the core goes away), a burst that rotates the 4 kB log many times, a pause, 100 more.
    const script = 'import sys, time\nfor i in range(200): print(i)\nsys.stdout.flush(); time.sleep(1.0)\nfor i in range(200, 5200): print(i)\nsys.stdout.flush(); time.sleep(1.0)\nfor i in range(5200, 5300): print(i)\n';
    const run = await first.jobs.submit({ name: 'away', command: ['python3', '-c', script] }, { baseDir: first.work });
    await waitFor(async () => chunkLines(await first.jobs.logs(run.id)).length >= 200, 'the first lines before the core goes away');
    first.jobs.dispose();
    await new Promise((r) => setTimeout(r, 1300)); // the burst happens while no core watches
    const second = setup({}, { dir: first.dir, db: first.db });
    await second.jobs.start();
    const seen: LogChunk[] = [];
    second.jobs.onDidLog({ id: run.id, from: 200 })((c) => seen.push(c));
    expect((await ended(second.jobs, run.id)).status).toBe('succeeded');
    await waitFor(() => seen.some((c) => c.end), 'the end of the log stream');
    const got = seen.flatMap((c) => chunkLines(c).map((l, i) => [c.n + i, l.l] as const));
    for (const [n, l] of got) expect(l).toBe(String(n));
    expect(got.map(([n]) => n)).toEqual([...got.map(([n]) => n)].sort((a, b) => a - b));
    expect(new Set(got.map(([n]) => n)).size).toBe(got.length);
    expect(got.at(-1)).toEqual([5299, '5299']);
    // Most of the burst was rotated out of both files before the new core came: it says so.
    expect(readFileSync(second.logFile, 'utf8')).toMatch(/log lines 201-\d+ were rotated out before they could be read/);
  });

  it('outlives the core: a new core reattaches and streams the rest, no line lost or repeated', async () => {
    const first = setup();
    const run = await first.jobs.submit({ name: 'long', command: ['python3', '-u', '-c', 'import time\nfor i in range(60):\n    print(i)\n    time.sleep(0.03)'] }, { baseDir: first.work });
    await waitFor(async () => chunkLines(await first.jobs.logs(run.id)).length >= 10, 'some output before the core goes away');
    first.jobs.dispose(); // the core stops; the shim and the job go on
    await new Promise((r) => setTimeout(r, 300));
    const second = setup({}, { dir: first.dir, db: first.db });
    await second.jobs.start();
    const seen: LogChunk[] = [];
    second.jobs.onDidLog({ id: run.id })((c) => seen.push(c));
    const done = (await ended(second.jobs, run.id))!;
    expect(done.status).toBe('succeeded');
    await waitFor(() => seen.some((c) => c.end), 'the end of the log stream');
    const lines = seen.flatMap((c) => chunkLines(c).map((l) => l.l));
    expect(lines).toEqual(Array.from({ length: 60 }, (_, i) => String(i)));
    expect(chunkLines(await second.jobs.logs(run.id)).map((l) => l.l)).toEqual(lines);
  });
});

describe('job logs', () => {
  it('rotate at the size cap without losing a line to a live reader, and keep the streams apart', async () => {
    const { jobs, work } = setup({ logCapBytes: 3000 });
    // The job waits a moment first, so the reader is live before the first rotation (a reader that comes later
    // gets only what is still stored, which is the next check).
    const run = await jobs.submit({ name: 'rot', command: ['sh', '-c', 'sleep 0.5; seq 1 500; sleep 0.3; seq 501 1000; echo oops >&2; echo done'] }, { baseDir: work });
    const seen: LogChunk[] = [];
    jobs.onDidLog({ id: run.id })((c) => seen.push(c));
    await ended(jobs, run.id);
    await waitFor(() => seen.some((c) => c.end), 'the end of the stream');
    const lines = seen.flatMap((c) => chunkLines(c));
    // Each stream keeps its order (their interleaving is the OS's): every line arrives exactly once.
    expect(lines.filter((l) => l.s === 'o').map((l) => l.l)).toEqual([...Array.from({ length: 1000 }, (_, i) => String(i + 1)), 'done']);
    expect(lines.filter((l) => l.s === 'e').map((l) => l.l)).toEqual(['oops']);
    expect(existsSync(join(work, '..', 'data', 'runs', run.id, 'output.1.log'))).toBe(true);
    // A late reader gets what is still stored, numbered as before
    const stored = await jobs.logs(run.id, 990, 5);
    expect(stored.n).toBe(990);
    expect(chunkLines(stored).map((l) => l.l)).toEqual(['991', '992', '993', '994', '995']);
  });

  it('stream on file events alone: with the poll clock at a minute, every line and the end still arrive', async () => {
    // The follower wakes on the shim's writes (inotify); the clock is only the fallback, so here it never ticks again.
    const { jobs, work } = setup({ pollMs: 60_000, sampleMs: 60_000 });
    const run = await jobs.submit({ name: 'events', command: ['sh', '-c', 'sleep 0.3; seq 1 3000; echo warn >&2; seq 3001 6000; printf "caf\\303\\251\\n"'] }, { baseDir: work });
    const seen: LogChunk[] = [];
    jobs.onDidLog({ id: run.id })((c) => seen.push(c));
    await waitFor(() => seen.some((c) => c.end), 'the end of the stream');
    const lines = seen.flatMap((c) => chunkLines(c));
    expect(lines.filter((l) => l.s === 'o').map((l) => l.l)).toEqual([...Array.from({ length: 6000 }, (_, i) => String(i + 1)), 'café']);
    expect(lines.filter((l) => l.s === 'e').map((l) => l.l)).toEqual(['warn']);
    expect((await jobs.get(run.id)).status).toBe('succeeded');
  });

  it('replay only the tail a subscriber asks for, numbered from where it starts, then follow', async () => {
    const { jobs, work } = setup();
    const run = await jobs.submit({ name: 'tail', command: ['seq', '1', '50000'] }, { baseDir: work });
    await ended(jobs, run.id);
    const seen: LogChunk[] = [];
    jobs.onDidLog({ id: run.id, tail: 1000 })((c) => seen.push(c));
    await waitFor(() => seen.some((c) => c.end), 'the end of the stream');
    expect(seen[0]!.n).toBe(49_000);
    expect(seen.flatMap((c) => chunkLines(c)).map((l) => l.l)).toEqual(Array.from({ length: 1000 }, (_, i) => String(49_001 + i)));
    // `from` past the tail wins; a tail longer than the log is the whole log.
    const later: LogChunk[] = [];
    jobs.onDidLog({ id: run.id, from: 49_990, tail: 1000 })((c) => later.push(c));
    const whole: LogChunk[] = [];
    jobs.onDidLog({ id: run.id, tail: 1_000_000 })((c) => whole.push(c));
    await waitFor(() => later.some((c) => c.end) && whole.some((c) => c.end), 'both ends');
    expect(later.flatMap((c) => chunkLines(c)).map((l) => l.l)).toEqual(Array.from({ length: 10 }, (_, i) => String(49_991 + i)));
    expect(whole[0]!.n).toBe(0);
    expect(whole.reduce((n, c) => n + c.count, 0)).toBe(50_000);
  });

  it('number every line right while the log rotates under live readers and replays, never a line twice', async () => {
    const { jobs, work } = setup({ logCapBytes: 4000 });
    // Lines that say their own number (0-based), printed steadily so the log rotates while subscribers replay it.
    const run = await jobs.submit({ name: 'rotating', command: ['sh', '-c', 'i=0; while [ $i -lt 40000 ]; do echo $i; i=$((i+1)); done'] }, { baseDir: work });
    const bad: string[] = [];
    const subs: Promise<void>[] = [];
    for (let k = 0; k < 60; k++) {
      subs.push(
        new Promise<void>((res) => {
          let expect: number | undefined;
          const sub = jobs.onDidLog({ id: run.id })((c) => {
            chunkLines(c).forEach((l, i) => {
              if (String(c.n + i) !== l.l) bad.push(`sub ${k}: line numbered ${c.n + i} says ${l.l}`);
              // Never a line twice or out of order. (A gap is possible here: with a 4 kB cap, the job can rotate twice
              // between two reads, and lines rotated out of both files before anyone read them are gone.)
              if (expect !== undefined && c.n + i < expect) bad.push(`sub ${k}: after ${expect - 1} came ${c.n + i}`);
              expect = c.n + i + 1;
            });
            if (c.end) {
              sub.dispose();
              res();
            }
          });
        }),
      );
      await new Promise((r) => setTimeout(r, 15));
    }
    await Promise.all(subs);
    expect(bad.slice(0, 5)).toEqual([]);
  }, 60_000);

  it('chunkLines and skipLines keep each line with its stream', () => {
    const c: LogChunk = { runId: 'r1', n: 10, text: 'a\nb\nc\nd\n', count: 4, streams: [[0, 'o'], [2, 'e'], [3, 'o']] };
    expect(chunkLines(c)).toEqual([{ s: 'o', l: 'a' }, { s: 'o', l: 'b' }, { s: 'e', l: 'c' }, { s: 'o', l: 'd' }]);
    const rest = skipLines(c, 2);
    expect(rest).toMatchObject({ n: 12, count: 2, text: 'c\nd\n' });
    expect(chunkLines(rest)).toEqual([{ s: 'e', l: 'c' }, { s: 'o', l: 'd' }]);
  });
});

describe('system metrics', () => {
  it('samples CPU and memory of the whole process group while a run goes', async () => {
    const { jobs, work } = setup({ sampleMs: 300 });
    // The CPU is burnt in a grandchild: the group's total must see it.
    const run = await jobs.submit({ name: 'burn', command: ['sh', '-c', '/usr/bin/python3 -c "import time\nx = bytearray(60 * 1024 * 1024)\nt = time.time()\nwhile time.time() - t < 2.5: pass"'] }, { baseDir: work });
    await ended(jobs, run.id);
    const m = await jobs.metrics(run.id, ['system/cpu_percent', 'system/memory_mb']);
    const cpu = m.find((s) => s.name === 'system/cpu_percent')!.points.map((p) => p.value);
    const mem = m.find((s) => s.name === 'system/memory_mb')!.points.map((p) => p.value);
    expect(cpu.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...cpu)).toBeGreaterThan(50);
    expect(Math.max(...mem)).toBeGreaterThan(60);
  });
});

describe('notebook jobs', () => {
  it('run a notebook headless with parameters, logging metrics, and keep the executed copy', async () => {
    const { jobs, work } = setup();
    const cell = (source: string, tags: string[] = []) => ({ cell_type: 'code', execution_count: null, id: Math.random().toString(36).slice(2, 10), metadata: { tags }, outputs: [], source });
    const nb = { cells: [cell('x = 1', ['parameters']), cell('import lathe\nlathe.log_metric("double", x * 2)\nprint("double is", x * 2)')], metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } }, nbformat: 4, nbformat_minor: 5 };
    writeFileSync(join(work, 'nb.ipynb'), JSON.stringify(nb));
    const run = await jobs.submit({ name: 'nb', notebook: 'nb.ipynb', params: { x: 21 } }, { baseDir: work });
    const done = (await ended(jobs, run.id, 90_000))!;
    if (done.status !== 'succeeded') console.log(chunkLines(await jobs.logs(run.id)).map((l) => l.l).join('\n'));
    expect(done.status).toBe('succeeded');
    const out = JSON.parse(readFileSync(join(work, `nb.run-${run.id}.ipynb`), 'utf8')) as { cells: { outputs: { text?: string }[] }[] };
    expect(JSON.stringify(out.cells.at(-1)!.outputs)).toContain('double is 42');
    expect((await jobs.metrics(run.id, ['double']))[0]!.points[0]!.value).toBe(42);
  }, 120_000);
});

describe('jobs in a conda env', () => {
  it('runs with the env activated (its python first, CONDA_PREFIX, activate.d) and records the env in the lineage', async () => {
    const { jobs, dir, work } = setup();
    // The user's conda (a stand-in: no conda on these machines) and an env whose python is Debian's python3.
    const root = join(dir, 'home', 'miniforge3');
    makeInstallation(root, 'conda');
    const prefix = pythonEnv(join(root, 'envs', 'ds'), { realPython: '/usr/bin/python3', activateD: { 'x.sh': 'export X_ACT="on in $CONDA_DEFAULT_ENV"\n' } });
    const run = await jobs.submit({ name: 'in-env', env: { conda: 'ds' }, command: ['python', '-c', 'import os, shutil; print(shutil.which("python"), os.environ["CONDA_PREFIX"], os.environ["X_ACT"], sep="|")'] }, { baseDir: work });
    expect((await ended(jobs, run.id))!.status).toBe('succeeded');
    expect(chunkLines(await jobs.logs(run.id))[0]!.l.split('|')).toEqual([join(prefix, 'bin', 'python'), prefix, 'on in ds']);
    expect((await jobs.get(run.id)).lineage?.env).toMatchObject({ kind: 'conda', name: 'ds', prefix, python: '3.11.9', explicitSha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });
});

describe('jobs on a published env', () => {
  it('refer to it by slug@sha256: installed from the registry on first use, reused after, recorded in the lineage', async () => {
    const { jobs, envs, dir, work } = setup();
    const root = join(dir, 'home', 'miniforge3');
    makeInstallation(root, 'conda');
    pythonEnv(join(root, 'envs', 'ml'));
    const pub = await envs.publish({ opId: 'p', env: 'ml', version: '1.0', format: 'tar.gz' });
    const ref = `ml@sha256:${pub.sha256}`;
    const spec = { name: 'on-published', env: { slug: ref }, command: ['sh', '-c', 'echo "$CONDA_PREFIX"'] };
    const a = await jobs.submit(spec, { baseDir: work });
    expect((await ended(jobs, a.id))!.status).toBe('succeeded');
    const prefix = join(root, 'envs', `ml-${pub.sha256.slice(0, 12)}`);
    expect(chunkLines(await jobs.logs(a.id)).map((l) => l.l)).toEqual([prefix]);
    expect((await jobs.get(a.id)).lineage?.env).toMatchObject({ prefix, published: ref });
    const b = await jobs.submit(spec, { baseDir: work });
    await ended(jobs, b.id);
    expect(chunkLines(await jobs.logs(b.id)).map((l) => l.l)).toEqual([prefix]);
    expect((await envs.list()).envs.filter((e) => e.name.startsWith('ml-'))).toHaveLength(1);
    await expect(jobs.submit({ ...spec, env: { slug: 'nothing-published' } }, { baseDir: work })).rejects.toMatchObject({ code: 'INVALID_SPEC', message: expect.stringContaining('No published env "nothing-published"') });
  });
});
