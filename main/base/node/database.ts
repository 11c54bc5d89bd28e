import Database from 'better-sqlite3';
import { join } from 'node:path';
import { AppError } from '../../common/errors';
import type { Migration } from './migrations';
import { ensurePrivateDir, ensurePrivateFile } from './paths';

/** The SQLite handle type services receive. */
export type Db = Database.Database;

/**
 * The one place that opens Lathe's database: `<dataDir>/lathe.db`, WAL mode, foreign keys on, and every pending
 * numbered migration of `schema` applied, one transaction per version. The core passes its whole schema
 * (main/server/schema.ts); a test may pass just the steps of the tables it uses.
 */
export function openDatabase(dataDir: string, schema: readonly Migration[]): Db {
  ensurePrivateDir(dataDir);
  const file = join(dataDir, 'lathe.db');
  let db: Db;
  try {
    db = new Database(file);
  } catch (err) {
    throw new AppError('STORE_OPEN_FAILED', `Cannot open the database at ${file}: ${(err as Error).message}. Check the data dir's permissions or choose another with --data-dir.`);
  }
  db.pragma('journal_mode = WAL');
  // WAL with NORMAL sync: commits stay atomic and survive a crash of the process; only a power cut can lose the
  // last ones. FULL would fsync every commit, which throttles log and metric ingest to the disk's flush rate.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db, schema);
  // SQLite creates its files with the umask's mode; the database and its WAL hold runs, envs and sealed secrets.
  for (const f of [file, `${file}-wal`, `${file}-shm`]) ensurePrivateFile(f);
  return db;
}

/** Applies the migrations newer than the database's `user_version`, in order; all steps of one version atomically. */
export function migrate(db: Db, list: readonly Migration[]): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  const newest = list.reduce((m, x) => Math.max(m, x.version), 0);
  if (current > newest) {
    throw new AppError('STORE_TOO_NEW', `The database is at schema version ${current}, newer than this Lathe (${newest}). Upgrade Lathe or use another --data-dir.`);
  }
  const versions = [...new Set(list.map((m) => m.version))].filter((v) => v > current).sort((a, b) => a - b);
  for (const v of versions) {
    db.transaction(() => {
      for (const m of list) if (m.version === v) db.exec(m.sql);
      db.pragma(`user_version = ${v}`);
    })();
  }
  return versions.length;
}
