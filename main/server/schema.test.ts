import { describe, expect, it } from 'vitest';
import { openDatabase } from '../base/node/database';
import { tempDir } from '../../scripts/test/tempDir';
import { schema } from './schema';

describe('the database schema', () => {
  it('is one version sequence without gaps, over the steps every area declares', () => {
    const versions = [...new Set(schema.map((m) => m.version))].sort((a, b) => a - b);
    expect(versions).toEqual(versions.map((_, i) => i + 1));
    expect(new Set(schema.map((m) => m.name)).size).toBe(schema.length);
  });

  it('creates every table the area stores use, at the newest version', () => {
    const dir = tempDir();
    try {
      const db = openDatabase(dir.path, schema);
      const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]).map((t) => t.name);
      expect(tables).toEqual(['conda_info_cache', 'env_cache', 'env_scan', 'jupyter_servers', 'kernel_execs', 'kernel_sessions', 'launches', 'meta', 'notebook_kernels', 'packed_archives', 'run_artifacts', 'run_metrics', 'run_params', 'run_tags', 'runs', 'secrets']);
      expect(db.pragma('user_version', { simple: true })).toBe(Math.max(...schema.map((m) => m.version)));
      db.close();
    } finally {
      dir.remove();
    }
  });
});
