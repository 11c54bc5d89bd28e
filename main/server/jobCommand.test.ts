import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir, waitFor } from '../../scripts/test/tempDir';
import { startTestCore } from '../../scripts/test/testCore';
import { JobChannel, type LogChunk } from '../common/jobs';
import { createProxy } from '../common/rpcClient';
import { connectToCore } from './coreClient';

let dir: ReturnType<typeof tempDir> | undefined;
afterEach(() => {
  dir?.remove();
  dir = undefined;
});

/** A core on a fresh temp folder, with Debian's python first on PATH. */
async function coreInTempDir() {
  dir = tempDir();
  return { ...(await startTestCore(dir.path)), path: dir.path };
}

describe('lathe job (against a running core)', () => {
  it('submits a YAML spec, waits with the exit code, lists, shows metrics, reruns; bad specs name the field', async () => {
    const { core, path, cli: lathe } = await coreInTempDir();
    const cli = (...args: string[]) => lathe('job', ...args);
    try {
      const work = join(path, 'proj');
      mkdirSync(work);
      writeFileSync(join(work, 'steps.py'), 'import lathe, sys\nfor i in range(3):\n    lathe.log_metric("loss", 1.0 / (i + 1))\n    print("step", i)\nsys.exit(4)\n');
      writeFileSync(join(work, 'job.yaml'), 'name: steps\nscript: steps.py\nparams: {lr: 0.01}\n');
      const r = await cli('submit', join(work, 'job.yaml'), '--wait');
      expect(r.code).toBe(4); // --wait exits with the job's exit code
      expect(r.out).toBe('step 0\nstep 1\nstep 2');
      // With --json, stdout is one JSON document (a script reads the id from it); the job's output goes to stderr.
      const j = await cli('submit', join(work, 'job.yaml'), '--wait', '--json');
      expect(j.code).toBe(4);
      expect(JSON.parse(j.out)).toMatchObject({ id: expect.stringMatching(/^r/), status: 'failed', exitCode: 4 });
      expect(j.err).toContain('step 2');
      const runs = JSON.parse((await cli('list', '--json')).out) as { id: string; status: string }[];
      expect(runs).toEqual([expect.objectContaining({ status: 'failed' }), expect.objectContaining({ status: 'failed' })]);
      const id = runs[1]!.id;
      const m = JSON.parse((await cli('metrics', id, '--json')).out) as { name: string; points: { value: number }[] }[];
      expect(m.find((s) => s.name === 'loss')!.points.map((p) => p.value)).toEqual([1, 0.5, 1 / 3]);
      expect((await cli('logs', id)).out).toBe('step 0\nstep 1\nstep 2');
      expect((await cli('rerun', id)).out).toMatch(new RegExp(`^r\\w+ (queued|running) \\(rerun of ${id}\\)$`));

      writeFileSync(join(work, 'bad.yaml'), 'name: bad\ncommand: [true]\nresources: {gpus: many}\n');
      const bad = await cli('submit', join(work, 'bad.yaml'));
      expect(bad.code).toBe(1);
      expect(bad.err).toContain('resources.gpus');
      writeFileSync(join(work, 'broken.yaml'), 'name: x\ncommand: [true\n');
      expect((await cli('submit', join(work, 'broken.yaml'))).err).toMatch(/not valid YAML at line \d/);
      // An alias inside itself is named, not a stack trace (issue 14).
      writeFileSync(join(work, 'loop.yaml'), 'name: loop\ncommand: [true]\nparams: &p\n  inner: *p\n');
      const loop = await cli('submit', join(work, 'loop.yaml'));
      expect(loop.code).toBe(1);
      expect(loop.err).toMatch(/loop\.yaml: params\.inner contains itself through a YAML alias.*must be a tree/);
      expect(loop.err).not.toMatch(/\n\s+at /);
      expect((await cli('logs', 'rnothere00')).err).toMatch(/No run rnothere00/);
      // The rerun's shim outlives the core: let it finish before its folder is removed.
      await waitFor(async () => (JSON.parse((await cli('list', '--json')).out) as { status: string }[]).every((x) => x.status !== 'queued' && x.status !== 'running'), 'the rerun to end');
    } finally {
      await core.dispose();
    }
  });
});

describe('job logs over the WebSocket', () => {
  it('reach a live subscriber and a late one complete and in order, in frames carrying the text unescaped', async () => {
    const { core, home } = await coreInTempDir();
    const client = await connectToCore({ url: core.url, token: core.token });
    try {
      const jobs = createProxy(client, JobChannel);
      const N = 300_000;
      const collect = (id: string) =>
        new Promise<LogChunk[]>((res) => {
          const got: LogChunk[] = [];
          const sub = jobs.onDidLog({ id })((c) => {
            got.push(c);
            if (c.end) {
              sub.dispose();
              res(got);
            }
          });
        });
      const run = await jobs.submit({ name: 'many', command: ['sh', '-c', `sleep 0.3; seq 1 ${N}; echo tail`] }, { baseDir: home });
      const check = (chunks: LogChunk[]) => {
        let next = 0;
        const lines: string[] = [];
        for (const c of chunks) {
          expect(c.n).toBe(next); // no gap, no repeat
          if (c.count) for (const l of c.text.slice(0, -1).split('\n')) lines.push(l);
          next += c.count;
        }
        expect(lines.length).toBe(N + 1);
        for (let i = 0; i < N; i++) if (lines[i] !== String(i + 1)) expect.fail(`line ${i + 1} came as ${lines[i]}`);
        expect(lines[N]).toBe('tail');
        // Chunks this long go as raw-tail frames (rpc.ts): the path is exercised, not only the JSON one.
        expect(chunks.some((c) => c.text.length >= 16 * 1024)).toBe(true);
      };
      check(await collect(run.id)); // subscribed before the first line
      check(await collect(run.id)); // after the end: replayed from the files
    } finally {
      client.dispose();
      await core.dispose();
    }
  });
});
