import type { JobSpec, Lineage, MetricSeries, RunDetail, RunInfo, RunStatus } from '../../common/jobs';
import type { Db } from '../../base/node/database';
import type { Migration } from '../../base/node/migrations';

/** The tables JobStore owns: runs and what they record. */
export const jobMigrations: readonly Migration[] = [
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
];

interface Row {
  id: string;
  name: string;
  spec: string;
  status: RunStatus;
  target: string;
  attempt: number;
  priority: number;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
  exit_code: number | null;
  reason: string | null;
  gpus: string;
  rerun_of: string | null;
  base_dir: string;
  lineage: string | null;
  shim_pid: number | null;
  log_offset: number;
  log_lines: number;
  metrics_offset: number;
  system_offset: number;
}

/** A run as stored, with the fields the runner needs. */
export interface StoredRun extends RunInfo {
  spec: JobSpec;
  priority: number;
  baseDir: string;
  lineage?: Lineage;
  shimPid?: number;
  logOffset: number;
  logLines: number;
  metricsOffset: number;
  systemOffset: number;
}

const toRun = (r: Row): StoredRun => ({
  id: r.id,
  name: r.name,
  status: r.status,
  target: r.target,
  attempt: r.attempt,
  createdAt: r.created_at,
  startedAt: r.started_at ?? undefined,
  endedAt: r.ended_at ?? undefined,
  exitCode: r.exit_code ?? undefined,
  reason: r.reason ?? undefined,
  gpus: JSON.parse(r.gpus) as string[],
  rerunOf: r.rerun_of ?? undefined,
  spec: JSON.parse(r.spec) as JobSpec,
  priority: r.priority,
  baseDir: r.base_dir,
  lineage: r.lineage ? (JSON.parse(r.lineage) as Lineage) : undefined,
  shimPid: r.shim_pid ?? undefined,
  logOffset: r.log_offset,
  logLines: r.log_lines,
  metricsOffset: r.metrics_offset,
  systemOffset: r.system_offset,
});

/** Public view of a stored run. */
export function runInfo(r: StoredRun): RunInfo {
  const { spec: _s, priority: _p, baseDir: _b, lineage: _l, shimPid: _sp, logOffset: _lo, logLines: _ll, metricsOffset: _m, systemOffset: _so, ...info } = r;
  return info;
}

/** One record from a run's metrics file. */
/** Metric points per INSERT statement when ingesting (5 values each, well under SQLite's 32,766 variables). */
const ROWS_PER_INSERT = 200;

/**
 * A record of a run's metrics file: a point (`m`), a batch of one metric's points as columns (`b`, what the Python
 * client writes; decoded from base64 float64 by `parseMetricLines`), params (`p`), tags (`g`) or an artifact (`a`).
 */
export type MetricRecord = { k: 'm'; n: string; v: number; s: number; t: number } | MetricBatch | { k: 'p' | 'g'; d: Record<string, unknown> } | { k: 'a'; p: string };

/** One metric's points: values, steps and times, index by index. */
export interface MetricBatch {
  k: 'b';
  n: string;
  v: Float64Array;
  s: Float64Array;
  t: Float64Array;
}

/** Runs and what they logged, in SQLite. Metric batches and their file offset commit together, so a restart never counts a point twice. */
export class JobStore {
  constructor(private readonly db: Db) {}

  insert(r: Omit<StoredRun, 'logOffset' | 'logLines' | 'metricsOffset' | 'systemOffset'>): void {
    this.db
      .prepare(
        `INSERT INTO runs (id, name, spec, status, target, attempt, priority, created_at, gpus, rerun_of, base_dir)
         VALUES (@id, @name, @spec, @status, @target, @attempt, @priority, @createdAt, @gpus, @rerunOf, @baseDir)`,
      )
      .run({ id: r.id, name: r.name, spec: JSON.stringify(r.spec), status: r.status, target: r.target, attempt: r.attempt, priority: r.priority, createdAt: r.createdAt, gpus: JSON.stringify(r.gpus), rerunOf: r.rerunOf ?? null, baseDir: r.baseDir });
  }

  get(id: string): StoredRun | undefined {
    const r = this.db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as Row | undefined;
    return r && toRun(r);
  }

  list(filter: { status?: RunStatus[]; name?: string; limit?: number } = {}): StoredRun[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.status?.length) {
      where.push(`status IN (${filter.status.map(() => '?').join(',')})`);
      args.push(...filter.status);
    }
    if (filter.name) {
      where.push('name LIKE ?');
      args.push(`%${filter.name}%`);
    }
    const sql = `SELECT * FROM runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...args, filter.limit ?? 500) as Row[]).map(toRun);
  }

  /** Queued runs in the order they start: priority first, then first come, first served. */
  queued(): StoredRun[] {
    return (this.db.prepare("SELECT * FROM runs WHERE status = 'queued' ORDER BY priority DESC, created_at ASC, rowid ASC").all() as Row[]).map(toRun);
  }

  /** Updates some fields of a run. */
  update(id: string, f: Partial<{ status: RunStatus; startedAt: string; endedAt: string; exitCode: number | null; reason: string; gpus: string[]; lineage: Lineage; shimPid: number | null; logOffset: number; logLines: number }>): void {
    const cols: Record<string, unknown> = {};
    if (f.status !== undefined) cols.status = f.status;
    if (f.startedAt !== undefined) cols.started_at = f.startedAt;
    if (f.endedAt !== undefined) cols.ended_at = f.endedAt;
    if (f.exitCode !== undefined) cols.exit_code = f.exitCode;
    if (f.reason !== undefined) cols.reason = f.reason;
    if (f.gpus !== undefined) cols.gpus = JSON.stringify(f.gpus);
    if (f.lineage !== undefined) cols.lineage = JSON.stringify(f.lineage);
    if (f.shimPid !== undefined) cols.shim_pid = f.shimPid;
    if (f.logOffset !== undefined) cols.log_offset = f.logOffset;
    if (f.logLines !== undefined) cols.log_lines = f.logLines;
    const keys = Object.keys(cols);
    if (!keys.length) return;
    this.db.prepare(`UPDATE runs SET ${keys.map((k) => `${k} = @${k}`).join(', ')} WHERE id = @id`).run({ ...cols, id });
  }

  /** Stores a batch of metric-file records and the file offset after them, atomically. */
  ingest(runId: string, records: MetricRecord[], newOffset: number, file: 'metrics' | 'system' = 'metrics'): void {
    const m = this.db.prepare('INSERT INTO run_metrics (run_id, name, step, value, t) VALUES (?, ?, ?, ?, ?)');
    const p = this.db.prepare('INSERT INTO run_params (run_id, key, value) VALUES (?, ?, ?) ON CONFLICT(run_id, key) DO UPDATE SET value = excluded.value');
    const g = this.db.prepare('INSERT INTO run_tags (run_id, key, value) VALUES (?, ?, ?) ON CONFLICT(run_id, key) DO UPDATE SET value = excluded.value');
    const a = this.db.prepare('INSERT OR IGNORE INTO run_artifacts (run_id, path) VALUES (?, ?)');
    const many = this.db.prepare(`INSERT INTO run_metrics (run_id, name, step, value, t) VALUES ${Array(ROWS_PER_INSERT).fill('(?, ?, ?, ?, ?)').join(', ')}`);
    this.db.transaction(() => {
      // Points go in ROWS_PER_INSERT to a statement: one call into SQLite per batch instead of per row.
      const batch: unknown[] = [];
      for (const r of records) {
        if (r.k === 'm') {
          batch.push(runId, r.n, r.s, r.v, r.t);
          if (batch.length === ROWS_PER_INSERT * 5) {
            many.run(batch);
            batch.length = 0;
          }
        } else if (r.k === 'b') {
          for (let i = 0; i < r.v.length; i++) {
            batch.push(runId, r.n, r.s[i], r.v[i], r.t[i]);
            if (batch.length === ROWS_PER_INSERT * 5) {
              many.run(batch);
              batch.length = 0;
            }
          }
        } else if (r.k === 'p') for (const [k, v] of Object.entries(r.d)) p.run(runId, k, JSON.stringify(v));
        else if (r.k === 'g') for (const [k, v] of Object.entries(r.d)) g.run(runId, k, String(v));
        else if (r.k === 'a') a.run(runId, r.p);
      }
      for (let i = 0; i < batch.length; i += 5) m.run(batch[i], batch[i + 1], batch[i + 2], batch[i + 3], batch[i + 4]);
      this.db.prepare(`UPDATE runs SET ${file === 'system' ? 'system_offset' : 'metrics_offset'} = ? WHERE id = ?`).run(newOffset, runId);
    })();
  }

  /** Stores sampled points (system metrics) that do not come from the run's metrics file. */
  addPoints(runId: string, series: MetricSeries[]): void {
    const m = this.db.prepare('INSERT INTO run_metrics (run_id, name, step, value, t) VALUES (?, ?, ?, ?, ?)');
    this.db.transaction(() => {
      for (const s of series) for (const p of s.points) m.run(runId, s.name, p.step, p.value, p.t);
    })();
  }

  metrics(runId: string, names?: string[]): MetricSeries[] {
    const rows = (names?.length
      ? this.db.prepare(`SELECT name, step, value, t FROM run_metrics WHERE run_id = ? AND name IN (${names.map(() => '?').join(',')}) ORDER BY name, step, rowid`).all(runId, ...names)
      : this.db.prepare('SELECT name, step, value, t FROM run_metrics WHERE run_id = ? ORDER BY name, step, rowid').all(runId)) as { name: string; step: number; value: number; t: number }[];
    const out = new Map<string, MetricSeries>();
    for (const r of rows) {
      let s = out.get(r.name);
      if (!s) out.set(r.name, (s = { name: r.name, points: [] }));
      s.points.push({ step: r.step, value: r.value, t: r.t });
    }
    return [...out.values()];
  }

  detail(r: StoredRun): RunDetail {
    const params = Object.fromEntries((this.db.prepare('SELECT key, value FROM run_params WHERE run_id = ?').all(r.id) as { key: string; value: string }[]).map((x) => [x.key, JSON.parse(x.value) as unknown]));
    const tags = Object.fromEntries((this.db.prepare('SELECT key, value FROM run_tags WHERE run_id = ?').all(r.id) as { key: string; value: string }[]).map((x) => [x.key, x.value]));
    const artifacts = (this.db.prepare('SELECT path FROM run_artifacts WHERE run_id = ? ORDER BY path').all(r.id) as { path: string }[]).map((x) => x.path);
    const metrics = this.db
      .prepare(
        `SELECT name, COUNT(*) AS count, MIN(value) AS min, MAX(value) AS max,
           (SELECT value FROM run_metrics m2 WHERE m2.run_id = m.run_id AND m2.name = m.name ORDER BY step DESC, rowid DESC LIMIT 1) AS last
         FROM run_metrics m WHERE run_id = ? GROUP BY name ORDER BY name`,
      )
      .all(r.id) as { name: string; count: number; min: number; max: number; last: number }[];
    return { ...runInfo(r), spec: r.spec, lineage: r.lineage, params, tags, artifacts, metrics };
  }
}
