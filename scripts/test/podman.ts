import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';

/** The image the container tests run: a busybox root filesystem; a Debian userland can be bound in read-only. */
export const TEST_IMAGE = 'lathe/test-busybox:1';

/**
 * Starts podman's Docker-compatible API on a private socket for a test file (dockerode talks to it), and
 * builds the test image with `podman import` if it is missing: no registry is reachable here. Fails with
 * what to install when podman is not there.
 */
export async function startPodman(): Promise<{ host: string; stop(): Promise<void> }> {
  if (spawnSync('podman', ['--version']).status !== 0) throw new Error('podman is not installed: run `bash scripts/setup.sh` (it installs podman, runc and busybox-static and configures runc)');
  if (spawnSync('podman', ['image', 'exists', TEST_IMAGE]).status !== 0) {
    const root = mkdtempSync(join(tmpdir(), 'lathe-rootfs-'));
    try {
      mkdirSync(join(root, 'bin'));
      for (const d of ['work', 'tmp', 'usr', 'etc', 'lathe', 'opt', 'proc', 'sys', 'dev']) mkdirSync(join(root, d));
      const busybox = ['/bin/busybox', '/usr/bin/busybox'].find((p) => existsSync(p));
      if (!busybox) throw new Error('busybox is not installed: run `bash scripts/setup.sh` (apt install busybox-static)');
      copyFileSync(busybox, join(root, 'bin', 'busybox'));
      for (const c of ['sh', 'echo', 'sleep', 'cat', 'ls', 'seq', 'true', 'false', 'env', 'pwd']) symlinkSync('busybox', join(root, 'bin', c));
      // A bound-in /usr (Debian's merged layout) brings /lib and /lib64 with it.
      symlinkSync('usr/lib', join(root, 'lib'));
      symlinkSync('usr/lib64', join(root, 'lib64'));
      execFileSync('tar', ['-C', root, '-cf', join(root, '..', `${root.split('/').pop()}.tar`), '.']);
      execFileSync('podman', ['import', join(root, '..', `${root.split('/').pop()}.tar`), TEST_IMAGE], { stdio: 'ignore' });
    } finally {
      rmSync(`${root}.tar`, { force: true });
      rmSync(root, { recursive: true, force: true });
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'lathe-podman-'));
  const sock = join(dir, 'podman.sock');
  const svc = spawn('podman', ['system', 'service', '--time=0', `unix://${sock}`], { stdio: 'ignore' });
  const end = Date.now() + 20_000;
  while (!existsSync(sock)) {
    if (Date.now() > end || svc.exitCode !== null) throw new Error(`podman system service did not start (exit ${svc.exitCode})`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    host: `unix://${sock}`,
    async stop() {
      svc.kill('SIGTERM');
      await new Promise((r) => (svc.exitCode !== null ? r(null) : svc.once('exit', r)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Starts podman for the calling test file (before all its tests) and stops it after them; returns its API's host. */
export function usePodman(): () => string {
  let podman: Awaited<ReturnType<typeof startPodman>> | undefined;
  beforeAll(async () => {
    podman = await startPodman();
  }, 120_000);
  afterAll(async () => {
    await podman?.stop();
  });
  return () => {
    if (!podman) throw new Error('podman is not started yet: call the host getter inside a test');
    return podman.host;
  };
}
