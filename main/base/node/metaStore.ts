import type { Db } from './database';

/**
 * The `meta` table: small JSON records keyed by name (`secrets.check`, `jupyter.local`), for the areas whose one
 * record does not warrant a table of its own. Keys are namespaced by their owner, `<area>.<what>`.
 */
export class MetaStore {
  constructor(private readonly db: Db) {}

  get<T>(key: string): T | undefined {
    const row = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  set(key: string, value: unknown): void {
    this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, JSON.stringify(value));
  }

  delete(key: string): void {
    this.db.prepare('DELETE FROM meta WHERE key = ?').run(key);
  }

  /** Records this core's start in `launches`; returns how many starts the data dir has seen, this one included. */
  recordLaunch(version: string, startedAt: string, pid: number): number {
    this.db.prepare('INSERT INTO launches (started_at, version, pid) VALUES (?, ?, ?)').run(startedAt, version, pid);
    return (this.db.prepare('SELECT COUNT(*) AS n FROM launches').get() as { n: number }).n;
  }
}
