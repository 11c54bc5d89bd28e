import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../scripts/test/tempDir';
import { startCore } from './serverMain';

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
});
