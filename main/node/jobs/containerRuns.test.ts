import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterEach, describe, expect, it } from 'vitest';
import { chunkLines, type LogChunk } from '../../common/jobs';
import { jobsWorld, runEnded } from '../../../scripts/test/jobsFixture';
import { usePodman, TEST_IMAGE } from '../../../scripts/test/podman';
import { startSshd } from '../../../scripts/test/sshd';
import { startTlsEngine } from '../../../scripts/test/tlsEngine';
import { waitFor } from '../../../scripts/test/tempDir';

// Integration: containers through podman's Docker-compatible API (a private `podman system service`), driven
// by dockerode. The image is a busybox root filesystem built with `podman import`; Python jobs bind Debian's
// /usr read-only into it (the "env to mount"), since no registry is reachable to pull a Python image.
const podmanHost = usePodman();
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
const target = (extra: object = {}) => ({ docker: { host: podmanHost(), image: TEST_IMAGE, ...extra } });
const debian = ['/usr:/usr:ro', '/etc/alternatives:/etc/alternatives:ro'];

describe('jobs in containers (podman through dockerode)', () => {
  it('runs a command with stdout and stderr apart, the exit code, a label and the image digest in the lineage', async () => {
    const { jobs, work } = jobsWorld(cleanups);
    writeFileSync(join(work, 'input.txt'), 'from the workdir\n');
    const run = await jobs.submit({ name: 'c1', command: ['sh', '-c', 'cat input.txt; echo to-stderr >&2; pwd; exit 2'], target: target() }, { baseDir: work });
    const done = await runEnded(jobs, run.id);
    expect(done).toMatchObject({ status: 'failed', exitCode: 2, target: 'docker' });
    const lines = chunkLines(await jobs.logs(run.id));
    expect(lines.filter((l) => l.s === 'o').map((l) => l.l)).toEqual(['from the workdir', '/work']);
    expect(lines.filter((l) => l.s === 'e').map((l) => l.l)).toEqual(['to-stderr']);
    const d = await jobs.get(run.id);
    expect(d.lineage?.image).toEqual({ name: TEST_IMAGE, id: expect.stringMatching(/^(sha256:)?[0-9a-f]{64}$/) });
    const docker = new Docker({ socketPath: podmanHost().slice('unix://'.length) });
    const labelled = await docker.listContainers({ all: true, filters: { label: [`dev.lathe.run=${run.id}`] } });
    expect(labelled).toHaveLength(1);
  }, 60_000);

  it('keeps emoji and CJK whole when the program writes a character in two pieces', async () => {
    const { jobs, work } = jobsWorld(cleanups);
    // Each character is written as two flushed writes, so the engine sends two log entries (two timestamps) that
    // cut it; 4-byte emoji and 3-byte CJK, cut after every possible byte, on stdout and stderr.
    writeFileSync(
      join(work, 'split.py'),
      'import sys, time\nfor stream in (sys.stdout, sys.stderr):\n    for ch in "🚀漢字é":\n        b = ch.encode()\n        for cut in range(1, len(b)):\n            stream.buffer.write(b"<" + b[:cut]); stream.flush(); time.sleep(0.02)\n            stream.buffer.write(b[cut:] + b">\\n"); stream.flush(); time.sleep(0.02)\n',
    );
    const run = await jobs.submit({ name: 'c-utf8', command: ['/usr/bin/python3', 'split.py'], target: target({ mounts: debian }) }, { baseDir: work });
    const done = await runEnded(jobs, run.id, 60_000);
    expect(done.status).toBe('succeeded');
    const want = ['<🚀>', '<🚀>', '<🚀>', '<漢>', '<漢>', '<字>', '<字>', '<é>'];
    const lines = chunkLines(await jobs.logs(run.id));
    expect(lines.filter((l) => l.s === 'o').map((l) => l.l)).toEqual(want);
    expect(lines.filter((l) => l.s === 'e').map((l) => l.l)).toEqual(want);
  }, 60_000);

  it('trains a scikit-learn model in a container, metrics and model file included', async () => {
    const { jobs, work } = jobsWorld(cleanups);
    writeFileSync(
      join(work, 'train.py'),
      'import pickle, lathe\nfrom sklearn.datasets import load_iris\nfrom sklearn.linear_model import SGDClassifier\nX, y = load_iris(return_X_y=True)\nclf = SGDClassifier(random_state=0)\nfor epoch in range(5):\n    clf.partial_fit(X, y, classes=[0, 1, 2])\n    lathe.log_metric("accuracy", clf.score(X, y), step=epoch)\npickle.dump(clf, open("model.pkl", "wb"))\nprint("saved")\n',
    );
    const run = await jobs.submit({ name: 'c-train', command: ['/usr/bin/python3', 'train.py'], target: target({ mounts: debian }) }, { baseDir: work });
    const done = await runEnded(jobs, run.id, 60_000);
    if (done.status !== 'succeeded') console.log(chunkLines(await jobs.logs(run.id)).map((l) => l.l).join('\n'));
    expect(done.status).toBe('succeeded');
    const [acc] = await jobs.metrics(run.id, ['accuracy']);
    expect(acc!.points.map((p) => p.step)).toEqual([0, 1, 2, 3, 4]);
    expect(existsSync(join(work, 'model.pkl'))).toBe(true);
  }, 90_000);

  it("asks the engine for GPUs through DeviceRequests, and gives an engine's GPUs to one count-asking run at a time", async () => {
    // podman here has no GPUs and drops DeviceRequests (its inspect shows none), so the test records what Lathe asks
    // the engine for: the create options, on their way to the real engine (observed, not replaced). It also checks
    // when: a run waits while another that asked for a count holds the engine, and none waits on this host's GPUs.
    const created: Docker.ContainerCreateOptions[] = [];
    const create = Docker.prototype.createContainer;
    Docker.prototype.createContainer = function (this: Docker, opts: Docker.ContainerCreateOptions) {
      created.push(opts);
      return create.call(this, opts);
    } as typeof create;
    cleanups.push(() => (Docker.prototype.createContainer = create));
    const { jobs, work } = jobsWorld(cleanups);
    const a = await jobs.submit({ name: 'g-count', command: ['sleep', '1.5'], resources: { gpus: 1 }, target: target() }, { baseDir: work });
    const b = await jobs.submit({ name: 'g-count-2', command: ['true'], resources: { gpus: 1 }, target: target() }, { baseDir: work });
    const c = await jobs.submit({ name: 'g-ids', command: ['true'], resources: { gpus: ['0', '1'] }, target: target() }, { baseDir: work });
    const [da, db, dc] = await Promise.all([runEnded(jobs, a.id, 60_000), runEnded(jobs, b.id, 60_000), runEnded(jobs, c.id, 60_000)]);
    expect([da.status, db.status, dc.status]).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(Date.parse(db.startedAt!)).toBeGreaterThanOrEqual(Date.parse(da.endedAt!));
    expect(Date.parse(dc.startedAt!)).toBeGreaterThanOrEqual(Date.parse(da.endedAt!));
    const asked = created.map((o) => o.HostConfig?.DeviceRequests);
    expect(asked).toContainEqual([{ Driver: 'nvidia', Count: 1, Capabilities: [['gpu']] }]);
    expect(asked).toContainEqual([{ Driver: 'nvidia', DeviceIDs: ['0', '1'], Capabilities: [['gpu']] }]);
    expect((await jobs.get(c.id)).gpus).toEqual(['0', '1']);
  }, 120_000);

  it('cancel stops the container; a timeout does the same; bad images and engines are named', async () => {
    const { jobs, work } = jobsWorld(cleanups);
    const run = await jobs.submit({ name: 'c-sleep', command: ['sleep', '300'], target: target() }, { baseDir: work });
    await waitFor(async () => (await jobs.list({ status: ['running'] })).some((r) => r.id === run.id), 'the container to run');
    await waitFor(async () => (await jobs.metrics(run.id, ['system/memory_mb'])).length > 0, 'a stats sample', 15_000);
    await jobs.cancel(run.id);
    expect(await runEnded(jobs, run.id, 40_000)).toMatchObject({ status: 'cancelled' });
    // It was sampled while it ran: memory from the engine's stats
    expect((await jobs.metrics(run.id, ['system/memory_mb']))[0]?.points.length).toBeGreaterThan(0);
    const slow = await jobs.submit({ name: 'c-slow', command: ['sleep', '300'], target: target(), timeout: '2s' }, { baseDir: work });
    expect(await runEnded(jobs, slow.id, 40_000)).toMatchObject({ status: 'timed_out' });
    await expect(jobs.submit({ name: 'x', command: ['true'], target: { docker: { host: podmanHost(), image: 'lathe/no-such-image:9' } } }, { baseDir: work })).rejects.toMatchObject({ code: 'IMAGE_NOT_FOUND' });
  }, 120_000);

  it('reaches an engine over SSH (key auth, known host key); an unreachable or unknown host is said plainly', async () => {
    const w = jobsWorld(cleanups);
    const sshd = await startSshd(join(w.dir, 'home'), podmanHost());
    cleanups.push(() => sshd.stop());
    const run = await w.jobs.submit({ name: 'remote', command: ['sh', '-c', 'echo over ssh'], target: { docker: { host: sshd.url, image: TEST_IMAGE } } }, { baseDir: w.work });
    expect((await runEnded(w.jobs, run.id, 60_000)).status).toBe('succeeded');
    expect(chunkLines(await w.jobs.logs(run.id)).map((l) => l.l)).toEqual(['over ssh']);
    expect((await w.jobs.get(run.id)).lineage?.target).toBe(`docker ${sshd.url}`);
    await expect(w.jobs.submit({ name: 'x', command: ['true'], target: { docker: { host: 'ssh://nobody@127.0.0.1:1', image: TEST_IMAGE } } }, { baseDir: w.work })).rejects.toMatchObject({ code: 'ENGINE_UNAVAILABLE', message: expect.stringContaining('ssh://nobody@127.0.0.1:1') });
    writeFileSync(join(w.dir, 'home', '.ssh', 'known_hosts'), '');
    await expect(w.jobs.submit({ name: 'x', command: ['true'], target: { docker: { host: sshd.url, image: TEST_IMAGE } } }, { baseDir: w.work })).rejects.toMatchObject({ code: 'ENGINE_UNAVAILABLE', message: expect.stringContaining('known_hosts') });
  }, 90_000);

  it('on a remote host (over SSH) copies the files in, streams metrics over stderr and copies artifacts back out', async () => {
    const w = jobsWorld(cleanups);
    const sshd = await startSshd(join(w.dir, 'home'), podmanHost());
    cleanups.push(() => sshd.stop());
    writeFileSync(join(w.work, 'input.txt'), 'from the workstation\n');
    writeFileSync(
      join(w.work, 'train.py'),
      'import pickle, sys, lathe\nfrom sklearn.datasets import load_iris\nfrom sklearn.linear_model import SGDClassifier\nprint(open("input.txt").read().strip())\nX, y = load_iris(return_X_y=True)\nclf = SGDClassifier(random_state=0)\nfor epoch in range(5):\n    clf.partial_fit(X, y, classes=[0, 1, 2])\n    lathe.log_metric("accuracy", clf.score(X, y), step=epoch)\nprint("partial", end="", file=sys.stderr, flush=True)\nlathe.flush()\npickle.dump(clf, open("model.pkl", "wb"))\nlathe.log_artifact("model.pkl")\nprint("saved")\n',
    );
    // The "remote" engine is this machine's podman behind sshd: binding /usr is the remote host's own /usr.
    const run = await w.jobs.submit({ name: 'remote-train', command: ['/usr/bin/python3', 'train.py'], target: { docker: { host: sshd.url, image: TEST_IMAGE, mounts: debian } } }, { baseDir: w.work });
    const done = await runEnded(w.jobs, run.id, 90_000);
    const lines = chunkLines(await w.jobs.logs(run.id));
    if (done.status !== 'succeeded') console.log(lines.map((l) => l.l).join('\n'));
    expect(done.status).toBe('succeeded');
    expect(lines.filter((l) => l.s === 'o').map((l) => l.l)).toEqual(['from the workstation', 'saved']);
    // The job's partial stderr line stays its own text; no metrics record leaks into the log.
    expect(lines.filter((l) => l.s === 'e').map((l) => l.l)).toEqual(['partial']);
    const [acc] = await w.jobs.metrics(run.id, ['accuracy']);
    expect(acc!.points.map((p) => p.step)).toEqual([0, 1, 2, 3, 4]);
    const detail = await w.jobs.get(run.id);
    expect(detail.artifacts).toEqual(['/work/model.pkl']);
    // Copied, not mounted: the model came back into the run folder, and the workstation's folder was never written.
    expect(existsSync(join(w.dataDir, 'runs', run.id, 'artifacts', 'model.pkl'))).toBe(true);
    expect(existsSync(join(w.work, 'model.pkl'))).toBe(false);
  }, 120_000);

  it('reaches an engine over TCP with mutual TLS (DOCKER_TLS_VERIFY, DOCKER_CERT_PATH); a certificate it did not sign is refused', async () => {
    const certDir = mkdtempSync(join(tmpdir(), 'lathe-tls-'));
    cleanups.push(() => rmSync(certDir, { recursive: true, force: true }));
    const engine = await startTlsEngine(certDir, podmanHost().slice('unix://'.length));
    cleanups.push(() => engine.stop());
    const w = jobsWorld(cleanups, { env: { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: engine.clientCerts } });
    const run = await w.jobs.submit({ name: 'tls', command: ['sh', '-c', 'echo over tls'], target: { docker: { host: engine.url, image: TEST_IMAGE } } }, { baseDir: w.work });
    expect(await runEnded(w.jobs, run.id, 60_000)).toMatchObject({ status: 'succeeded' });
    expect(chunkLines(await w.jobs.logs(run.id)).map((l) => l.l)).toEqual(['over tls']);
    const stranger = jobsWorld(cleanups, { env: { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: engine.strangerCerts } });
    await expect(stranger.jobs.submit({ name: 'x', command: ['true'], target: { docker: { host: engine.url, image: TEST_IMAGE } } }, { baseDir: stranger.work })).rejects.toMatchObject({ code: 'ENGINE_UNAVAILABLE', message: expect.stringContaining(engine.url) });
    const missing = jobsWorld(cleanups, { env: { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: join(certDir, 'nowhere') } });
    await expect(missing.jobs.submit({ name: 'x', command: ['true'], target: { docker: { host: engine.url, image: TEST_IMAGE } } }, { baseDir: missing.work })).rejects.toMatchObject({ message: expect.stringContaining('needs ca.pem, cert.pem and key.pem') });
  }, 90_000);

  it('outlives the core: a new core follows the container again, no line lost or repeated', async () => {
    const first = jobsWorld(cleanups);
    const run = await first.jobs.submit({ name: 'c-long', command: ['sh', '-c', 'for i in $(seq 0 39); do echo $i; sleep 0.05; done'], target: target() }, { baseDir: first.work });
    await waitFor(async () => (await first.jobs.logs(run.id)).count >= 8, 'some output before the core goes away');
    first.jobs.dispose();
    await new Promise((r) => setTimeout(r, 400));
    const second = jobsWorld(cleanups, {}, { dir: first.dir, db: first.db });
    await second.jobs.start();
    const seen: LogChunk[] = [];
    second.jobs.onDidLog({ id: run.id })((c) => seen.push(c));
    expect((await runEnded(second.jobs, run.id)).status).toBe('succeeded');
    await waitFor(() => seen.some((c) => c.end), 'the end of the log stream');
    expect(seen.flatMap((c) => chunkLines(c).map((l) => l.l))).toEqual(Array.from({ length: 40 }, (_, i) => String(i)));
  }, 90_000);
});
