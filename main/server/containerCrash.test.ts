import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { JobChannel, type RunInfo } from '../common/jobs';
import { createProxy } from '../common/rpcClient';
import { serve } from '../../scripts/bench/benchUtil';
import { usePodman, TEST_IMAGE } from '../../scripts/test/podman';
import { tempDir, waitFor } from '../../scripts/test/tempDir';
import { connectToCore } from './coreClient';

// Integration (issue 23): a real `lathe serve` follows a podman container's log and is killed with SIGKILL twice
// while the job prints; each next core on the same data dir resumes. Every line must be in output.log exactly once,
// and exit.json must count them all and carry the container's own end time.
const podmanHost = usePodman();

const LINES = 30_000;

describe('a container job through core crashes', () => {
  it('keeps every log line exactly once and records the real exit', async () => {
    const dir = tempDir();
    const dataDir = join(dir.path, 'data');
    const cores: Awaited<ReturnType<typeof serve>>[] = [];
    const start = async () => {
      const core = await serve(undefined, dataDir);
      cores.push(core);
      const client = await connectToCore({ url: core.url, token: core.token });
      return { core, client, jobs: createProxy(client, JobChannel) };
    };
    const crash = async (c: Awaited<ReturnType<typeof start>>) => {
      const exited = new Promise((r) => c.core.child.once('exit', r));
      c.core.child.kill('SIGKILL');
      await exited;
      c.client.dispose();
    };
    try {
      let c = await start();
      // Bursts of lines with pauses, so the kills land while lines are being written and between bursts.
      const script = `i=0; while [ $i -lt ${LINES} ]; do echo "line $i"; i=$((i+1)); if [ $((i % 3000)) -eq 0 ]; then sleep 0.25; fi; done; echo done >&2`;
      const run = await c.jobs.submit({ name: 'crashy', command: ['sh', '-c', script], target: { docker: { host: podmanHost(), image: TEST_IMAGE } } }, { baseDir: dir.path });
      const runDir = join(dataDir, 'runs', run.id);
      const written = () => {
        try {
          return readFileSync(join(runDir, 'output.log'), 'utf8').split('\n').length - 1;
        } catch {
          return 0;
        }
      };
      await waitFor(() => written() > 2000, 'the first lines', 30_000);
      await crash(c);
      c = await start();
      await waitFor(() => written() > 12_000, 'more lines after the first restart', 30_000);
      await crash(c);
      c = await start();
      const ended = (await waitFor(async () => {
        const r: RunInfo = await c.jobs.get(run.id);
        return r.status !== 'queued' && r.status !== 'running' ? r : undefined;
      }, 'the run to end', 60_000))!;
      expect(ended.status).toBe('succeeded');
      const lines = readFileSync(join(runDir, 'output.log'), 'utf8').split('\n').slice(0, -1);
      const expected = [...Array.from({ length: LINES }, (_, i) => `line ${i}`), 'done'];
      expect(lines.length).toBe(expected.length);
      expect(lines.filter((l) => l !== 'done')).toEqual(expected.slice(0, -1));
      const exit = JSON.parse(readFileSync(join(runDir, 'exit.json'), 'utf8')) as { lines: number; endedAt: string; code: number };
      expect(exit).toMatchObject({ lines: LINES + 1, code: 0 });
      const state = JSON.parse(readFileSync(join(runDir, 'state.json'), 'utf8')) as { containerId: string };
      const finished = (await new Docker({ socketPath: podmanHost().replace(/^unix:\/\//, '') }).getContainer(state.containerId).inspect()).State.FinishedAt;
      expect(Math.abs(Date.parse(exit.endedAt) - Date.parse(finished))).toBeLessThan(1000);
      c.client.dispose();
    } finally {
      for (const core of cores) core.child.kill('SIGKILL');
      dir.remove();
    }
  }, 180_000);
});
