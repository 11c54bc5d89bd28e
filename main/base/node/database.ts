import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../../common/errors';
import { migrations, type Migration } from './migrations';

/** The SQLite handle type services receive. */
export type Db = Database.Database;

/**
 * The one place that opens Lathe's database: `<dataDir>/lathe.db`, WAL mode, foreign keys on,
 * and every pending numbered migration applied in its own transaction.
 */
export function openDatabase(dataDir: string, list: readonly Migration[] = migrations): Db {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
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
  migrate(db, list);
  return db;
}

/** Applies migrations newer than the database's `user_version`, in order, each atomically. */
export function migrate(db: Db, list: readonly Migration[]): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  const newest = list.reduce((m, x) => Math.max(m, x.version), 0);
  if (current > newest) {
    throw new AppError('STORE_TOO_NEW', `The database is at schema version ${current}, newer than this Lathe (${newest}). Upgrade Lathe or use another --data-dir.`);
  }
  let applied = 0;
  for (const m of [...list].sort((a, b) => a.version - b.version)) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
    applied++;
  }
  return applied;
}
