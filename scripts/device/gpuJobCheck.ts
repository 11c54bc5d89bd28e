// The job service on a machine with a real GPU (run by scripts/device/gpuJobCheck.sh through the device tool; CI
// has no GPU): the queue gives the one GPU to one run at a time, the run sees it through CUDA_VISIBLE_DEVICES,
// the system sampler records its utilisation and memory, and a run asking for more GPUs than exist is refused.
// Prints a JSON summary as its last line, and exits non-zero if a check fails.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chunkLines, type RunInfo } from '../../main/common/jobs';
import { wireEnvService } from '../../main/node/envs/envWiring';
import { wireJobService } from '../../main/node/jobs/jobWiring';
import { schema } from '../../main/server/schema';
import { Logger } from '../../main/base/node/logger';
import { SettingsService } from '../../main/node/settings/settingsService';
import { openDatabase } from '../../main/base/node/database';

const here = process.env.GPU_CARRY ?? '.gpucarry';
const dir = mkdtempSync(join(tmpdir(), 'lathe-gpu-'));
const dataDir = join(dir, 'data');
const work = join(dir, 'work');
const db = openDatabase(dataDir, schema);
const log = new Logger({ console: null });
const settings = new SettingsService({ dataDir }, log);
const env = { ...process.env, HOME: dir };
const envs = wireEnvService({ dataDir, scan: { env, home: dir, platform: 'linux', isRoot: false } }, db, settings, log);
const jobs = wireJobService({ dataDir, shimScript: resolve(here, 'jobShim.mjs'), coreScript: '', pythonPath: resolve('resources/python'), env, sampleMs: 500 }, db, envs, log);
(await import('node:fs')).mkdirSync(work, { recursive: true });
writeFileSync(
  join(work, 'gpu_job.py'),
  `import os, time, torch, lathe
print("visible", os.environ.get("CUDA_VISIBLE_DEVICES"), "count", torch.cuda.device_count(), flush=True)
x = torch.randn(8192, 8192, device="cuda")
t0 = time.time()
step = 0
while time.time() - t0 < 4:
    y = x @ x
    lathe.log_metric("norm", y.norm(), step=step)
    step += 1
torch.cuda.synchronize()
print("steps", step, flush=True)
`,
);
const failures: string[] = [];
const check = (ok: boolean, what: string) => ok || failures.push(what);
const ended = (id: string) =>
  new Promise<RunInfo>((res) => {
    const poll = async () => {
      const r = (await jobs.list({})).find((x) => x.id === id)!;
      if (r.status !== 'queued' && r.status !== 'running') res(r);
      else setTimeout(poll, 200);
    };
    void poll();
  });

const runs = [];
for (const name of ['a', 'b']) runs.push(await jobs.submit({ name, command: ['python3', 'gpu_job.py'], resources: { gpus: 1 } }, { baseDir: work }));
const [a, b] = [await ended(runs[0]!.id), await ended(runs[1]!.id)];
const tooMany = await jobs.submit({ name: 'x', command: ['true'], resources: { gpus: 2 } }, { baseDir: work }).then(
  () => 'accepted',
  (e: Error & { code?: string }) => `${e.code}: ${e.message}`,
);
const summary: Record<string, unknown> = { tooMany };
for (const r of [a, b]) {
  const lines = chunkLines(await jobs.logs(r.id)).map((l) => l.l);
  const metrics = await jobs.metrics(r.id);
  const byName = Object.fromEntries(metrics.map((m) => [m.name, { n: m.points.length, max: Math.max(...m.points.map((p) => p.value)) }]));
  summary[r.name] = { status: r.status, gpus: r.gpus, startedAt: r.startedAt, endedAt: r.endedAt, lines, metrics: byName };
  check(r.status === 'succeeded', `${r.name} succeeded`);
  check(JSON.stringify(r.gpus) === '["0"]', `${r.name} got GPU 0`);
  check(lines[0] === 'visible 0 count 1', `${r.name} saw exactly its GPU`);
  check((byName.norm?.n ?? 0) > 10, `${r.name} logged norm from CUDA tensors`);
  check((byName['system/gpu0_memory_mb']?.max ?? 0) > 256, `${r.name} GPU memory sampled (> 256 MB for an 8192² matmul)`);
}
check(Date.parse(b.startedAt!) >= Date.parse(a.endedAt!) || Date.parse(a.startedAt!) >= Date.parse(b.endedAt!), 'the one GPU went to one run at a time');
check(tooMany.startsWith('NOT_ENOUGH_GPUS'), 'two GPUs on a one-GPU host refused');
summary.failures = failures;
jobs.dispose();
envs.dispose();
settings.dispose();
db.close();
console.log(JSON.stringify(summary));
process.exit(failures.length ? 1 : 0);
