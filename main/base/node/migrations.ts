/**
 * One schema step. Each area's store declares the steps for the tables it owns (`coreMigrations` here, `envMigrations`
 * in envs/envCache.ts, `jobMigrations` in jobs/jobStore.ts, …) and the composition root lists them all in
 * main/server/schema.ts. Versions are one sequence over the whole database (SQLite's `user_version`), are never
 * edited once released, and a version may hold steps of several areas (they are applied in one transaction).
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** The core's own tables: `meta` (small key-value records, see metaStore.ts) and `launches`. */
export const coreMigrations: readonly Migration[] = [
  {
    version: 1,
    name: 'core meta',
    sql: `CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
          CREATE TABLE launches (id INTEGER PRIMARY KEY AUTOINCREMENT, started_at TEXT NOT NULL, version TEXT NOT NULL, pid INTEGER NOT NULL);`,
  },
];
