import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../scripts/test/tempDir';
import { startCore } from './serverMain';
import { runCli } from './cli';
import { capture } from '../../scripts/test/capture';

const mode = (p: string) => statSync(p).mode & 0o777;

describe('the data dir', () => {
  it('is made private again at every start: the folder and run/ 0700, the database 0600 (issue 14)', async () => {
    const dir = tempDir();
    try {
      const dataDir = join(dir.path, 'data');
      const first = await startCore({ dataDir, localSocket: true, logConsole: null });
      await first.dispose();
      expect(mode(dataDir)).toBe(0o700);
      expect(mode(join(dataDir, 'run'))).toBe(0o700);
      expect(mode(join(dataDir, 'lathe.db'))).toBe(0o600);
      // Loosened since, by hand or by a restore from a backup:
      chmodSync(dataDir, 0o755);
      chmodSync(join(dataDir, 'run'), 0o777);
      chmodSync(join(dataDir, 'lathe.db'), 0o644);
      const again = await startCore({ dataDir, localSocket: true, logConsole: null });
      expect(mode(dataDir)).toBe(0o700);
      expect(mode(join(dataDir, 'run'))).toBe(0o700);
      expect(mode(join(dataDir, 'lathe.db'))).toBe(0o600);
      expect(mode(join(dataDir, 'lathe.db-wal'))).toBe(0o600);
      await again.dispose();
      // A data dir chosen inside a shared folder leaves the parent alone.
      const shared = join(dir.path, 'shared');
      mkdirSync(shared, { mode: 0o755 });
      chmodSync(shared, 0o755);
      const third = await startCore({ dataDir: join(shared, 'lathe'), localSocket: false, logConsole: null });
      await third.dispose();
      expect(mode(shared)).toBe(0o755);
      expect(mode(join(shared, 'lathe'))).toBe(0o700);
    } finally {
      dir.remove();
    }
  });

  it('that cannot be written is named with the cause and the way out, not a stack trace (issue 23)', async () => {
    const dir = tempDir();
    try {
      const file = join(dir.path, 'a-file');
      writeFileSync(file, 'not a folder');
      await expect(startCore({ dataDir: join(file, 'data'), logConsole: null })).rejects.toMatchObject({ code: 'DATA_DIR_UNUSABLE', message: expect.stringMatching(/a file is in the way .*--data-dir DIR \(or LATHE_HOME\)/) });
      const c = capture();
      expect(await runCli(['serve', '--no-open', '--data-dir', join(file, 'data')], c.io, {})).toBe(1);
      expect(c.err.join('\n')).toMatch(/^lathe: Lathe cannot use .*a-file\/data as its data folder: a file is in the way/);
      expect(c.err.join('\n')).not.toMatch(/\n\s+at /);
    } finally {
      dir.remove();
    }
  });

  // A read-only file system needs a mount: as root here a tmpfs mounted read-only; elsewhere this case is skipped.
  const ro = mkdtempSync(join(tmpdir(), 'lathe-ro-'));
  const mounted = process.getuid?.() === 0 && spawnSync('mount', ['-t', 'tmpfs', '-o', 'ro', 'tmpfs', ro]).status === 0;
  afterAll(() => {
    if (mounted) spawnSync('umount', [ro]);
    rmdirSync(ro);
  });
  it.skipIf(!mounted)('on a read-only file system is named as such (issue 23)', async () => {
    await expect(startCore({ dataDir: join(ro, 'lathe'), logConsole: null })).rejects.toMatchObject({ code: 'DATA_DIR_UNUSABLE', message: expect.stringContaining('it is on a read-only file system') });
  });
});
