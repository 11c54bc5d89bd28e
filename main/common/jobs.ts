import { z } from 'zod';
import type { Event } from './event';
import { defineChannel, type CallContext } from './rpc';

const VarName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name like MY_VAR');
const Duration = z.union([z.number().positive(), z.string().regex(/^\d+(\.\d+)?(s|m|h|d)$/, 'a duration like 90s, 30m or 2h')]);

/**
 * A job: what to run, in which environment, where, with which resources. The schema is the documented,
 * stable format of job spec files (YAML or JSON); README.md (Jobs) shows each field in an example.
 */
export const JobSpecSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'a name of letters, digits, ".", "_" or "-"'),
    /** argv to run, e.g. ["python", "train.py", "--epochs", "20"]. */
    command: z.array(z.string().max(64 * 1024)).min(1).max(1000).optional(),
    /** A Python script to run with the env's python; `args` follow it. */
    script: z.string().min(1).max(4096).optional(),
    /** A notebook to run headless (through `lathe nb run`); `params` fill its "parameters" cell. */
    notebook: z.string().min(1).max(4096).optional(),
    args: z.array(z.string().max(64 * 1024)).max(1000).optional(),
    /** Working directory, relative to the spec file's folder (or the submitter's). */
    workdir: z.string().min(1).max(4096).default('.'),
    /** A conda env by name or prefix, or a published env by slug@sha256; omitted = the python on PATH. */
    env: z.union([z.object({ conda: z.string().min(1) }).strict(), z.object({ prefix: z.string().min(1) }).strict(), z.object({ slug: z.string().min(1) }).strict()]).optional(),
    /** Plain variables for the job. */
    envVars: z.record(VarName, z.string().max(64 * 1024)).optional(),
    /** Secrets by name, resolved only when the job starts; never stored in the spec, the database or the logs. */
    secrets: z.array(VarName).max(100).optional(),
    /** Parameters: in LATHE_PARAMS (JSON) for the job, recorded with the run. */
    params: z.record(z.string().regex(/^[A-Za-z_][\w.-]*$/, 'a parameter name'), z.union([z.string(), z.number(), z.boolean()])).optional(),
    resources: z
      .object({
        /** A count, or device ids / MIG UUIDs. */
        gpus: z.union([z.number().int().min(0).max(64), z.array(z.string().min(1)).max(64)]).optional(),
        memory: z.string().regex(/^\d+(\.\d+)?[kmgt]?$/i, 'a size like 8g or 512m').optional(),
        cpus: z.number().positive().max(1024).optional(),
      })
      .strict()
      .optional(),
    target: z
      .union([
        z.literal('local'),
        z
          .object({
            docker: z
              .object({
                /** unix:///path/docker.sock (default: DOCKER_HOST, else /var/run/docker.sock), tcp://host:2376, ssh://user@host. */
                host: z.string().regex(/^(unix|tcp|ssh|https?):\/\//, 'a URL like unix:///run/podman/podman.sock, tcp://host:2376 or ssh://me@gpu-box').optional(),
                image: z.string().min(1).max(500),
                /** Extra read-only or read-write binds, docker style: "/host/path:/container/path[:ro]". */
                mounts: z.array(z.string().regex(/^\/[^:]*:\/[^:]*(:(ro|rw))?$/, 'a bind like /data:/data:ro')).max(50).optional(),
                /**
                 * mount: bind the working folder and env from this machine (an engine here); copy: copy them into the
                 * container and artifacts back out (an engine elsewhere). Default: copy for ssh:// and remote tcp:// hosts.
                 */
                files: z.enum(['mount', 'copy']).optional(),
              })
              .strict(),
          })
          .strict(),
      ])
      .default('local'),
    timeout: Duration.optional(),
    retries: z.number().int().min(0).max(10).default(0),
    priority: z.number().int().min(-100).max(100).default(0),
  })
  .strict()
  .refine((s) => [s.command, s.script, s.notebook].filter((x) => x !== undefined).length === 1, { message: 'give exactly one of command, script or notebook', path: ['command'] });
/** A job spec as written. */
export type JobSpecInput = z.input<typeof JobSpecSchema>;
/** A job spec with defaults filled in. */
export type JobSpec = z.output<typeof JobSpecSchema>;

/** Where a run is in its life. */
export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'timed_out' | 'lost';

/** What was recorded about a run's inputs, automatically. */
export interface Lineage {
  git?: { root: string; remote?: string; branch?: string; commit?: string; dirty: boolean; diffSha256?: string };
  env?: { kind: 'conda' | 'path'; prefix?: string; name?: string; explicitSha256?: string; python?: string; /** The published env it came from (slug@…). */ published?: string };
  /** The container image and its id (sha256), for container runs. */
  image?: { name: string; id: string };
  command: string[];
  workdir: string;
  host: string;
  target: string;
  gpus: string[];
}

/** One run of a job. */
export interface RunInfo {
  id: string;
  name: string;
  status: RunStatus;
  target: string;
  attempt: number;
  createdAt: string;
  startedAt?: string;
  endedAt?: string;
  exitCode?: number;
  /** Why it ended the way it did, in words ("exit 1", "timed out after 30m", "cancelled"). */
  reason?: string;
  gpus: string[];
  /** The run this one repeats (rerun / retry). */
  rerunOf?: string;
}

/** A run with its spec, lineage and what it logged. */
export interface RunDetail extends RunInfo {
  spec: JobSpec;
  lineage?: Lineage;
  params: Record<string, unknown>;
  tags: Record<string, string>;
  artifacts: string[];
  /** Per metric: count, last, min, max. */
  metrics: { name: string; count: number; last: number; min: number; max: number }[];
}

/**
 * A batch of log lines, as text: the job's output is stored and sent as written (no object per line), and
 * `streams` says where it switches between stdout ("o") and stderr ("e"). `chunkLines` unpacks it.
 */
export interface LogChunk {
  runId: string;
  /** The number of the first line (0-based, across rotations). */
  n: number;
  /** `count` lines, each ending in "\n". */
  text: string;
  count: number;
  /** [line index in this chunk, stream] at each switch; the first entry is at index 0. */
  streams: [number, 'o' | 'e'][];
  /** Set on the last chunk of a finished run. */
  end?: boolean;
}

/** One log line. */
export interface LogLine {
  s: 'o' | 'e';
  l: string;
}

/** The lines of a chunk with their streams. */
export function chunkLines(c: LogChunk): LogLine[] {
  if (!c.count) return [];
  const texts = c.text.slice(0, -1).split('\n');
  const out: LogLine[] = new Array(texts.length);
  let k = 0;
  let s: 'o' | 'e' = c.streams[0]?.[1] ?? 'o';
  for (let i = 0; i < texts.length; i++) {
    while (k < c.streams.length && c.streams[k]![0] <= i) s = c.streams[k++]![1];
    out[i] = { s, l: texts[i]! };
  }
  return out;
}

/** Drops the first `skip` lines of a chunk. */
export function skipLines(c: LogChunk, skip: number): LogChunk {
  if (skip <= 0) return c;
  if (skip >= c.count) return { ...c, n: c.n + c.count, text: '', count: 0, streams: [] };
  let at = 0;
  for (let i = 0; i < skip; i++) at = c.text.indexOf('\n', at) + 1;
  let current: 'o' | 'e' = 'o';
  const streams: [number, 'o' | 'e'][] = [];
  for (const [i, s] of c.streams) {
    if (i <= skip) current = s;
    else streams.push([i - skip, s]);
  }
  return { ...c, n: c.n + skip, text: c.text.slice(at), count: c.count - skip, streams: [[0, current], ...streams] };
}

/** One metric's points. */
export interface MetricSeries {
  name: string;
  points: { step: number; value: number; t: number }[];
}

/** Submits, runs and watches jobs. */
export interface IJobService {
  /** Validates a spec and queues a run; `baseDir` resolves a relative workdir. */
  submit(spec: JobSpecInput, options?: { baseDir?: string }): Promise<RunInfo>;
  /** Runs, newest first. */
  list(filter?: { status?: RunStatus[]; name?: string; limit?: number }): Promise<RunInfo[]>;
  /** One run in full. */
  get(id: string): Promise<RunDetail>;
  /** Stored log lines from line `from`. */
  logs(id: string, from?: number, limit?: number): Promise<LogChunk>;
  /** Metric points (all, or the named ones). */
  metrics(id: string, names?: string[]): Promise<MetricSeries[]>;
  /** Stops a queued or running run (its whole process tree). */
  cancel(id: string): Promise<RunInfo>;
  /** Runs a finished run again with the same spec. */
  rerun(id: string): Promise<RunInfo>;
  /**
   * Live log lines of a run, starting with the stored ones from `from`. `tail`: start no more than about this many
   * lines before the newest stored one (a view that keeps only its newest lines asks for no more than it keeps:
   * opening a ten-million-line log then moves what it shows, not the whole log); the first chunk's `n` says where.
   */
  onDidLog(arg: { id: string; from?: number; tail?: number }, ctx?: CallContext): Event<LogChunk>;
  /** New metric points of a run. */
  onDidMetric(arg: { id: string }, ctx?: CallContext): Event<MetricSeries[]>;
  /** A run changed state. */
  readonly onDidChangeRun: Event<RunInfo>;
}

const RunId = z.string().regex(/^r[0-9a-z]{6,32}$/, 'a run id like r1a2b3c');
const Status = z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled', 'timed_out', 'lost']);

/** The jobs channel's allowlist. */
export const JobChannel = defineChannel<IJobService>({
  name: 'jobs',
  methods: {
    submit: [z.unknown(), z.object({ baseDir: z.string().min(1).max(4096).optional() }).strict().optional()],
    list: [z.object({ status: z.array(Status).optional(), name: z.string().max(100).optional(), limit: z.number().int().min(1).max(10_000).optional() }).strict().optional()],
    get: [RunId],
    logs: [RunId, z.number().int().min(0).optional(), z.number().int().min(1).max(100_000).optional()],
    metrics: [RunId, z.array(z.string().max(200)).max(100).optional()],
    cancel: [RunId],
    rerun: [RunId],
  },
  events: { onDidLog: z.object({ id: RunId, from: z.number().int().min(0).optional(), tail: z.number().int().min(1).optional() }).strict(), onDidMetric: z.object({ id: RunId }).strict(), onDidChangeRun: null },
});

/** Seconds in a duration spec ("30m" → 1800). */
export function durationSeconds(d: number | string): number {
  if (typeof d === 'number') return d;
  const m = /^(\d+(?:\.\d+)?)(s|m|h|d)$/.exec(d)!;
  return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[m[2] as 's' | 'm' | 'h' | 'd'];
}
