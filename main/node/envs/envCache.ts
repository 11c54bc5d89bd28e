import type { CondaInstallation, EnvSummary } from '../../common/envs';
import type { Db } from '../../base/node/database';
import type { Migration } from '../../base/node/migrations';
import type { CondaInfo } from './condaLocator';

/** The tables EnvCache owns. */
export const envMigrations: readonly Migration[] = [
  {
    version: 2,
    name: 'env discovery cache',
    sql: `CREATE TABLE env_cache (prefix TEXT PRIMARY KEY, summary TEXT NOT NULL, stamp REAL NOT NULL, size INTEGER, size_stamp REAL);
          CREATE TABLE conda_info_cache (exe TEXT PRIMARY KEY, exe_mtime REAL NOT NULL, info TEXT NOT NULL);
          CREATE TABLE env_scan (id INTEGER PRIMARY KEY CHECK (id = 1), installations TEXT NOT NULL, scanned_at TEXT NOT NULL);`,
  },
];

/** The last scan in SQLite, so the env list shows at once on the next launch while a refresh runs. */
export class EnvCache {
  constructor(private readonly db: Db) {}

  /** The last saved list, or undefined before the first scan. */
  load(): { envs: EnvSummary[]; installations: CondaInstallation[]; scannedAt: string } | undefined {
    const scan = this.db.prepare('SELECT installations, scanned_at FROM env_scan WHERE id = 1').get() as { installations: string; scanned_at: string } | undefined;
    if (!scan) return undefined;
    const rows = this.db.prepare('SELECT summary, size FROM env_cache').all() as { summary: string; size: number | null }[];
    const envs = rows.map((r) => ({ ...(JSON.parse(r.summary) as EnvSummary), sizeBytes: r.size ?? undefined }));
    return { envs, installations: JSON.parse(scan.installations) as CondaInstallation[], scannedAt: scan.scanned_at };
  }

  /** Replaces the saved list (sizes are kept for prefixes that are still there). */
  save(envs: EnvSummary[], installations: CondaInstallation[], scannedAt: string): void {
    const tx = this.db.transaction(() => {
      const keep = new Set(envs.map((e) => e.prefix));
      for (const { prefix } of this.db.prepare('SELECT prefix FROM env_cache').all() as { prefix: string }[]) {
        if (!keep.has(prefix)) this.db.prepare('DELETE FROM env_cache WHERE prefix = ?').run(prefix);
      }
      const up = this.db.prepare(
        `INSERT INTO env_cache (prefix, summary, stamp) VALUES (@prefix, @summary, @stamp)
         ON CONFLICT(prefix) DO UPDATE SET summary = excluded.summary, stamp = excluded.stamp`,
      );
      for (const e of envs) {
        const { sizeBytes: _s, ...rest } = e;
        up.run({ prefix: e.prefix, summary: JSON.stringify(rest), stamp: Date.parse(e.modifiedAt ?? '') || 0 });
      }
      this.db.prepare('INSERT INTO env_scan (id, installations, scanned_at) VALUES (1, ?, ?) ON CONFLICT(id) DO UPDATE SET installations = excluded.installations, scanned_at = excluded.scanned_at').run(JSON.stringify(installations), scannedAt);
    });
    tx();
  }

  /** A size measured when the env's history had this stamp; undefined when the env changed since. */
  size(prefix: string, stamp: number): number | undefined {
    const r = this.db.prepare('SELECT size, size_stamp FROM env_cache WHERE prefix = ?').get(prefix) as { size: number | null; size_stamp: number | null } | undefined;
    return r && r.size !== null && r.size_stamp === stamp ? r.size : undefined;
  }

  /** Records a measured size. */
  setSize(prefix: string, stamp: number, size: number): void {
    this.db.prepare('UPDATE env_cache SET size = ?, size_stamp = ? WHERE prefix = ?').run(size, stamp, prefix);
  }

  /** `info --json` of an executable, valid while the executable's mtime is unchanged. */
  info(exe: string, mtime: number): CondaInfo | undefined {
    const r = this.db.prepare('SELECT info FROM conda_info_cache WHERE exe = ? AND exe_mtime = ?').get(exe, mtime) as { info: string } | undefined;
    return r ? (JSON.parse(r.info) as CondaInfo) : undefined;
  }

  /** Saves `info --json` of an executable. */
  setInfo(exe: string, mtime: number, info: CondaInfo): void {
    this.db.prepare('INSERT INTO conda_info_cache (exe, exe_mtime, info) VALUES (?, ?, ?) ON CONFLICT(exe) DO UPDATE SET exe_mtime = excluded.exe_mtime, info = excluded.info').run(exe, mtime, JSON.stringify(info));
  }
}
