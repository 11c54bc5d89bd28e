import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chunkLines, JobChannel, type IJobService, type RunInfo } from '../common/jobs';
import { KernelChannel, type IKernelService } from '../common/kernels';
import { NotebookFileChannel } from '../common/notebooks';
import { createProxy } from '../common/rpcClient';
import { emptyNotebook, serializeNotebook } from '../../kernels/nbformat';
import { serve } from '../../scripts/bench/benchUtil';
import { rng } from '../../scripts/test/fuzz';
import { tempDir, waitFor } from '../../scripts/test/tempDir';
import { connectToCore } from './coreClient';

// The bounded chaos test (issue 23): a local job printing numbered lines, a cell printing numbered lines and
// notebook saves, while a real `lathe serve` is killed with SIGKILL at seeded random moments, 10 times. Afterwards
// no job line may be lost or doubled, no cell output doubled or reordered, and the notebook file is always one whole
// saved version. LATHE_CHAOS_SEED and LATHE_CHAOS_ROUNDS run other or longer schedules.
const SEED = Number(process.env.LATHE_CHAOS_SEED ?? 7);
const ROUNDS = Number(process.env.LATHE_CHAOS_ROUNDS ?? 10);

describe(`chaos (seed ${SEED}, ${ROUNDS} kills)`, () => {
  it('loses and doubles nothing: job lines, cell outputs, notebook bytes', async () => {
    const r = rng(SEED);
    const dir = tempDir();
    const dataDir = join(dir.path, 'data');
    const workspace = join(dir.path, 'ws');
    mkdirSync(workspace);
    const children: Awaited<ReturnType<typeof serve>>['child'][] = [];
    const cellLines: string[] = [];
    const saved: string[] = []; // every version a save was asked to write, in order
    try {
      const open = async () => {
        const core = await serve(workspace, dataDir);
        children.push(core.child);
        const client = await connectToCore({ url: core.url, token: core.token });
        return { core, client, jobs: createProxy(client, JobChannel) as IJobService, kernels: createProxy(client, KernelChannel) as IKernelService, files: createProxy(client, NotebookFileChannel) };
      };
      let c = await open();
      const JOB_LINES = 400;
      const CELL_LINES = 60;
      const job = await c.jobs.submit({ name: 'chaos', command: ['sh', '-c', `i=0; while [ $i -lt ${JOB_LINES} ]; do echo "job $i"; i=$((i+1)); sleep 0.03; done`] }, { baseDir: workspace });
      const kernel = await c.kernels.start({ spec: 'python3', path: 'chaos.ipynb' });
      const listen = (k: IKernelService) =>
        k.onDidKernelEvent({ kernelId: kernel.id })((e) => {
          if (e.type === 'output' && e.execId === 'chaos-cell' && e.output.output_type === 'stream') cellLines.push(...String(e.output.text).split('\n').filter(Boolean));
        });
      listen(c.kernels);
      void c.kernels.execute(kernel.id, { execId: 'chaos-cell', code: `import time\nfor i in range(${CELL_LINES}):\n    print(f"cell {i}", flush=True)\n    time.sleep(0.2)` }).catch(() => undefined);
      // The kills come once the cell is running (a cell killed before its request left the core never ran at all).
      await waitFor(() => cellLines.length > 0, 'the cell to start printing', 30_000);
      for (let round = 0; round < ROUNDS; round++) {
        // A save in flight when the kill comes, half the time.
        const nb = { ...emptyNotebook(), cells: Array.from({ length: 1 + round }, (_, i) => ({ cell_type: 'markdown', id: `m${i}`, metadata: {}, source: `round ${round} cell ${i} `.repeat(2000) })) };
        saved.push(serializeNotebook(nb as never));
        const saving = c.files.save('chaos.ipynb', nb as never, { force: true }).catch(() => undefined);
        if (r.chance(0.5)) await saving;
        await new Promise((res) => setTimeout(res, 150 + r.int(500)));
        const exited = new Promise((res) => c.core.child.once('exit', res));
        c.core.child.kill('SIGKILL');
        await exited;
        c.client.dispose();
        // The file on disk is whole: exactly one of the versions asked for (or none yet).
        let onDisk: string | undefined;
        try {
          onDisk = readFileSync(join(workspace, 'chaos.ipynb'), 'utf8');
        } catch {
          onDisk = undefined;
        }
        if (onDisk !== undefined) expect(saved.includes(onDisk), `round ${round}: the notebook is a torn write`).toBe(true);
        c = await open();
        expect((await c.kernels.list()).map((k) => k.id)).toContain(kernel.id);
        listen(c.kernels);
      }
      await waitFor(() => cellLines.includes(`cell ${CELL_LINES - 1}`), 'the cell to finish', 30_000).catch((err: Error) => {
        throw new Error(`${err.message}; the cell's lines so far: ${cellLines.join(', ')}`);
      });
      const ended: RunInfo = (await waitFor(async () => {
        const run = await c.jobs.get(job.id);
        return run.status !== 'queued' && run.status !== 'running' ? run : undefined;
      }, 'the job to end', 60_000))!;
      expect(ended.status).toBe('succeeded');
      const jobLines = chunkLines(await c.jobs.logs(job.id, 0, 10_000)).map((l) => l.l);
      expect(jobLines).toEqual(Array.from({ length: JOB_LINES }, (_, i) => `job ${i}`));
      // Cell outputs are never doubled and never out of order, and the cell's end arrives. A line the old core had
      // taken from Jupyter but not yet passed on when it was killed can still be missing: closing that gap needs
      // output sequence numbers from the core to the page (issue 23 stays open for it).
      const numbers = cellLines.map((l) => Number(l.replace('cell ', '')));
      expect(numbers).toEqual([...new Set(numbers)].sort((a, b) => a - b));
      expect(numbers.at(-1)).toBe(CELL_LINES - 1);
      c.client.dispose();
    } finally {
      for (const child of children) child.kill('SIGKILL');
      // The adopted Jupyter server and the job's shim outlive the killed cores: stop them through one last core.
      const last = await serve(workspace, dataDir).catch(() => undefined);
      if (last) {
        const client = await connectToCore({ url: last.url, token: last.token }).catch(() => undefined);
        if (client) {
          const k = createProxy(client, KernelChannel);
          for (const kern of await k.list().catch(() => [])) await k.shutdown(kern.id).catch(() => undefined);
          client.dispose();
        }
        last.child.kill('SIGTERM');
        await new Promise((res) => last.child.once('exit', res));
      }
      dir.remove();
    }
  }, 240_000);
});
