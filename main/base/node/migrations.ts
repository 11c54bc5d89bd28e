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
  {
    version: 3,
    name: 'job runs, metrics, params, tags, artifacts',
    sql: `CREATE TABLE runs (id TEXT PRIMARY KEY, name TEXT NOT NULL, spec TEXT NOT NULL, status TEXT NOT NULL, target TEXT NOT NULL,
            attempt INTEGER NOT NULL, priority INTEGER NOT NULL, created_at TEXT NOT NULL, started_at TEXT, ended_at TEXT,
            exit_code INTEGER, reason TEXT, gpus TEXT NOT NULL DEFAULT '[]', rerun_of TEXT, base_dir TEXT NOT NULL, lineage TEXT,
            shim_pid INTEGER, log_offset INTEGER NOT NULL DEFAULT 0, log_lines INTEGER NOT NULL DEFAULT 0, metrics_offset INTEGER NOT NULL DEFAULT 0);
          CREATE INDEX runs_created ON runs (created_at);
          CREATE TABLE run_metrics (run_id TEXT NOT NULL, name TEXT NOT NULL, step REAL NOT NULL, value REAL NOT NULL, t REAL NOT NULL);
          CREATE INDEX run_metrics_run ON run_metrics (run_id, name, step);
          CREATE TABLE run_params (run_id TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (run_id, key));
          CREATE TABLE run_tags (run_id TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (run_id, key));
          CREATE TABLE run_artifacts (run_id TEXT NOT NULL, path TEXT NOT NULL, PRIMARY KEY (run_id, path));`,
  },
  {
    version: 4,
    name: 'run system-metrics file offset',
    sql: `ALTER TABLE runs ADD COLUMN system_offset INTEGER NOT NULL DEFAULT 0;`,
  },
  {
    version: 5,
    name: 'secrets (encrypted), remote Jupyter servers, remembered kernels',
    sql: `CREATE TABLE secrets (ns TEXT NOT NULL, name TEXT NOT NULL, iv BLOB NOT NULL, tag BLOB NOT NULL, data BLOB NOT NULL,
            length INTEGER NOT NULL, updated_at TEXT NOT NULL, PRIMARY KEY (ns, name));
          CREATE TABLE jupyter_servers (id TEXT PRIMARY KEY, name TEXT NOT NULL, url TEXT NOT NULL, added_at TEXT NOT NULL);
          CREATE TABLE kernel_sessions (kernel_id TEXT PRIMARY KEY, server TEXT NOT NULL, spec TEXT NOT NULL, path TEXT, started_at TEXT NOT NULL);`,
  },
  {
    version: 6,
    name: 'the server each notebook last ran on',
    sql: `CREATE TABLE notebook_kernels (path TEXT PRIMARY KEY, server TEXT NOT NULL, spec TEXT NOT NULL, updated_at TEXT NOT NULL);`,
  },
];
