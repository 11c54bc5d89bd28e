/** One schema step; versions are consecutive and never edited once released. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Every schema step, oldest first. Later issues append theirs (envs, jobs, runs, metrics, models). */
export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'core meta',
    sql: `CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
          CREATE TABLE launches (id INTEGER PRIMARY KEY AUTOINCREMENT, started_at TEXT NOT NULL, version TEXT NOT NULL, pid INTEGER NOT NULL);`,
  },
  {
    version: 2,
    name: 'env discovery cache',
    sql: `CREATE TABLE env_cache (prefix TEXT PRIMARY KEY, summary TEXT NOT NULL, stamp REAL NOT NULL, size INTEGER, size_stamp REAL);
          CREATE TABLE conda_info_cache (exe TEXT PRIMARY KEY, exe_mtime REAL NOT NULL, info TEXT NOT NULL);
          CREATE TABLE env_scan (id INTEGER PRIMARY KEY CHECK (id = 1), installations TEXT NOT NULL, scanned_at TEXT NOT NULL);`,
  },
];
