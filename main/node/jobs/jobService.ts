import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { Emitter, type Event } from '../../common/event';
import { AppError } from '../../common/errors';
import type { EnvDetail, ExportFormat } from '../../common/envs';
import { durationSeconds, JobSpecSchema, type IJobService, type JobSpec, type Lineage, type LogChunk, type MetricSeries, type RunDetail, type RunInfo, type RunStatus } from '../../common/jobs';
import { formatZodError } from '../../common/rpc';
import type { Logger } from '../../base/node/logger';
import { runInfo, type JobStore, type StoredRun } from './jobStore';
import { gitLineage } from './lineage';
import { containerRunEnv, localRunEnv, runArgv, type PlanInput } from './runPlan';
import { GpuBook } from './gpuBook';
import type { ContainerRuns } from './containerRuns';
import { RunWatcher } from './runWatcher';
import type { ShimLauncher } from './shimLauncher';
import { readLogLines, replayThenFollow } from './runFiles';
import { isFinal, newRunId, parseSize, probeGpus, shimAlive } from './jobUtil';

/** What jobs need from the env service. */
export interface JobEnvs {
  show(ref: string): Promise<EnvDetail>;
  export(ref: string, format: ExportFormat): Promise<string>;
  /** A published env (slug@sha256…) as a local env, installing it from the registry when needed. */
  envForPublished(ref: string): Promise<EnvDetail>;
}

/** How the job service is set up. */
export interface JobServiceConfig {
  dataDir: string;
  /** dist/core/jobShim.mjs */
  shimScript: string;
  /** dist/core/lathe.mjs, for notebook jobs (`lathe nb run`). */
  coreScript: string;
  /** resources/python, put on the job's PYTHONPATH for `import lathe`. */
  pythonPath: string;
  /** The user's environment jobs start from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** The Python a script runs with when the spec names no env: the notebooks' (default: python3 on PATH). */
  defaultPython?: () => Promise<string | undefined>;
  /** The workspace: a spec submitted without a folder of its own (from the UI) has its paths relative to it. */
  workspace?: string;
  /** The user's secret store (`lathe secret set`); LATHE_SECRET_<NAME> in the core's environment is the fallback. */
  secrets?: { reveal(name: string): string | undefined };
  /** Local runs at once (default: the CPU count). */
  concurrency?: number;
  pollMs?: number;
  logCapBytes?: number;
  /** How often a running run's CPU, memory and GPUs are sampled (default 2 s). */
  sampleMs?: number;
  /** The host's GPUs by index and UUID (default: nvidia-smi). */
  gpuProbe?: () => Promise<string[]>;
}

/** The job service's collaborators, built by the composition root (jobWiring.ts). */
export interface JobServiceParts {
  /** The runs and what they record, in SQLite. */
  store: JobStore;
  /** Container runs through the Docker API. */
  containers: ContainerRuns;
  /** Starts the detached supervisors of local runs. */
  shims: ShimLauncher;
  /** Envs for jobs that name one. */
  envs: JobEnvs;
}

/**
 * Jobs: specs validated at the boundary, a GPU-aware queue, local runs in their own process group under
 * a detached shim (so they outlive the core), logs and metrics followed from the run folder into SQLite
 * and to subscribers, lineage recorded at start, retries, reruns, and reattachment after a core restart.
 */
export class JobService implements IJobService {
  private readonly store: JobStore;
  private readonly containers: ContainerRuns;
  private readonly shims: ShimLauncher;
  private readonly watchers = new Map<string, RunWatcher>();
  private readonly logEmitters = new Map<string, Emitter<LogChunk>>();
  private readonly metricEmitters = new Map<string, Emitter<MetricSeries[]>>();
  private readonly _onDidChangeRun = new Emitter<RunInfo>();
  readonly onDidChangeRun = this._onDidChangeRun.event;
  private gpus: Promise<string[]> | undefined;
  private scheduling = false;
  private scheduleAgain = false;
  private disposed = false;

  private readonly envs: JobEnvs;

  constructor(
    private readonly config: JobServiceConfig,
    parts: JobServiceParts,
    private readonly log: Logger,
  ) {
    ({ store: this.store, containers: this.containers, shims: this.shims, envs: this.envs } = parts);
    mkdirSync(join(config.dataDir, 'runs'), { recursive: true, mode: 0o700 });
  }

  private runDir(id: string): string {
    return join(this.config.dataDir, 'runs', id);
  }

  private hostGpus(): Promise<string[]> {
    return (this.gpus ??= (this.config.gpuProbe ?? probeGpus)());
  }

  /** Finds runs that were going when the core stopped: reattaches to live shims, finalizes or marks the rest lost. */
  async start(): Promise<void> {
    for (const r of this.store.list({ status: ['running'], limit: 10_000 })) {
      const dir = this.runDir(r.id);
      if (r.spec.target !== 'local') {
        // A container run: follow its logs again from the last line written, or learn how it ended.
        const state = existsSync(join(dir, 'state.json')) ? (JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as { containerId?: string }) : {};
        if (existsSync(join(dir, 'exit.json'))) this.watch(r);
        else if (state.containerId) {
          this.containers.follow(r.spec.target.docker, state.containerId, dir, r.id, this.config.logCapBytes ?? 256 * 1024 * 1024, this.secretValues(r.spec), this.remainingTimeout(r));
          this.watch(r);
        } else this.finish(r.id, 'lost', null, 'its container was never recorded');
        continue;
      }
      if (r.shimPid && shimAlive(r.shimPid)) this.watch(r);
      else if (existsSync(join(dir, 'exit.json'))) this.watch(r); // ended while we were away: the watcher drains and finalizes
      else this.finish(r.id, 'lost', null, 'the core lost track of it (its supervisor is gone and left no exit status)');
    }
    // The first job of a session starts as quickly as the next ones (a spare retires after minutes unused).
    this.shims.warm();
    void this.schedule();
  }

  async submit(input: unknown, options: { baseDir?: string } = {}): Promise<RunInfo> {
    const parsed = JobSpecSchema.safeParse(input);
    if (!parsed.success) throw new AppError('INVALID_SPEC', `The job spec is invalid: ${formatZodError(parsed.error)}.`, { issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) });
    const spec = parsed.data;
    if (spec.target === 'local') this.shims.warm(); // node starts while the spec is checked and queued
    const baseDir = resolve(options.baseDir ?? this.config.workspace ?? this.config.env?.HOME ?? process.cwd());
    await this.check(spec, baseDir);
    return this.enqueue(spec, baseDir, 1);
  }

  /** Bad input fails at submit, not minutes later in the queue. */
  private async check(spec: JobSpec, baseDir: string): Promise<void> {
    if (spec.target !== 'local') await this.containers.check(spec.target.docker);
    const wd = resolve(baseDir, spec.workdir);
    if (!existsSync(wd) || !statSync(wd).isDirectory()) throw new AppError('INVALID_SPEC', `workdir: ${wd} is not a folder. Paths are relative to the spec file's folder (the workspace for a job submitted in the app).`);
    if (spec.env) await this.jobEnv(spec);
    const want = spec.resources?.gpus;
    // A container host's GPUs are its engine's business (DeviceRequests); the local pool is checked here.
    if (want !== undefined && want !== 0 && spec.target === 'local') {
      const have = await this.hostGpus();
      if (typeof want === 'number' && want > have.length) throw new AppError('NOT_ENOUGH_GPUS', `resources.gpus: the job needs ${want} GPU(s) but this host has ${have.length}${have.length ? '' : ' (nvidia-smi found none)'}.`);
      if (Array.isArray(want)) {
        const missing = want.filter((g) => !have.includes(g));
        if (missing.length) throw new AppError('NOT_ENOUGH_GPUS', `resources.gpus: no GPU ${missing.join(', ')} on this host (it has ${have.join(', ') || 'none'}).`);
      }
    }
    for (const s of spec.secrets ?? []) {
      if (!this.secret(s)) throw new AppError('MISSING_SECRET', `secrets: ${s} is not set. Add it with \`lathe secret set ${s}\` (or in the Jobs panel's secrets), or start the core with LATHE_SECRET_${s} in its environment.`);
    }
  }

  /**
   * A secret from the encrypted store, else from the core's environment (LATHE_SECRET_NAME). Either way the value
   * exists only in memory and in the job's environment, and is redacted from its logs.
   */
  private secret(name: string): string | undefined {
    return this.config.secrets?.reveal(name) ?? (this.config.env ?? process.env)[`LATHE_SECRET_${name}`];
  }

  private enqueue(spec: JobSpec, baseDir: string, attempt: number, rerunOf?: string): RunInfo {
    const run: Omit<StoredRun, 'logOffset' | 'logLines' | 'metricsOffset' | 'systemOffset'> = { id: newRunId(), name: spec.name, status: 'queued', target: typeof spec.target === 'string' ? spec.target : 'docker', attempt, createdAt: new Date().toISOString(), gpus: [], rerunOf, spec, priority: spec.priority, baseDir };
    this.store.insert(run);
    const info = runInfo(this.store.get(run.id)!);
    this._onDidChangeRun.fire(info);
    void this.schedule();
    return info;
  }

  /** Starts queued runs while there is room: per-target concurrency, and a GPU is never given to two runs. */
  private async schedule(): Promise<void> {
    if (this.disposed) return;
    if (this.scheduling) {
      this.scheduleAgain = true; // a run queued mid-pass gets its own pass
      return;
    }
    this.scheduling = true;
    try {
      const all = await this.hostGpus();
      if (this.disposed) return;
      const running = this.store.list({ status: ['running'], limit: 10_000 });
      const gpus = new GpuBook(running.map((r) => ({ engine: this.engineOf(r.spec), want: r.spec.resources?.gpus ?? 0, gpus: r.gpus })));
      let slots = (this.config.concurrency ?? Math.max(1, cpus().length)) - running.length;
      const queued = this.store.queued();
      for (const r of queued) {
        if (slots <= 0 || this.disposed) break;
        const pick = gpus.take(this.engineOf(r.spec), r.spec.resources?.gpus ?? 0, all);
        if (!pick) continue; // waits for GPUs; a lower-priority run that fits may go first
        slots--;
        await this.launch(r, pick).catch((err: Error) => this.finish(r.id, 'failed', null, `could not start: ${err.message}`));
      }
    } finally {
      this.scheduling = false;
    }
    if (this.scheduleAgain && !this.disposed) {
      this.scheduleAgain = false;
      await this.schedule();
    }
  }

  /** Whose GPUs a run uses: this host's ('local'), or a container engine's (its address). */
  private engineOf(spec: JobSpec): string {
    return spec.target === 'local' ? 'local' : `docker ${spec.target.docker.host ?? (this.config.env ?? process.env).DOCKER_HOST ?? 'unix:///var/run/docker.sock'}`;
  }

  private async launch(r: StoredRun, gpus: string[]): Promise<void> {
    const spec = r.spec;
    const dir = this.runDir(r.id);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const cwd = resolve(r.baseDir, spec.workdir);
    const envDetail = await this.jobEnv(spec);
    const secrets = Object.fromEntries((spec.secrets ?? []).map((s) => [s, this.secret(s) ?? '']));
    // A local script without an env runs with the notebooks' Python (a container uses the image's python3).
    const python = !envDetail && spec.script && spec.target === 'local' ? await this.config.defaultPython?.().catch(() => undefined) : undefined;
    const plan: PlanInput = { spec, runId: r.id, env: envDetail, secrets, pythonPath: this.config.pythonPath, ...(python ? { python } : {}) };
    const argv = runArgv(plan, { node: process.execPath, script: this.config.coreScript });
    if (this.disposed) throw new AppError('CANCELLED', 'the core is stopping');
    const lineage: Lineage = {
      git: await gitLineage(cwd),
      env: envDetail ? { kind: 'conda', prefix: envDetail.prefix, name: envDetail.name, python: envDetail.python, explicitSha256: await this.envHash(envDetail.prefix), ...(spec.env && 'slug' in spec.env ? { published: spec.env.slug } : {}) } : { kind: 'path', python: argv[0] },
      command: argv,
      workdir: cwd,
      host: hostname(),
      target: r.target,
      gpus,
    };
    const timeoutMs = spec.timeout ? durationSeconds(spec.timeout) * 1000 : undefined;
    const logCapBytes = this.config.logCapBytes ?? 256 * 1024 * 1024;
    const redact = Object.values(secrets);
    let shimPid: number | null = null;
    if (spec.target !== 'local') {
      const t = spec.target.docker;
      const { imageId } = await this.containers.check(t);
      lineage.image = { name: t.image, id: imageId };
      lineage.target = `docker ${t.host ?? process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock'}`;
      await this.containers.start(t, {
        runId: r.id,
        runDir: dir,
        argv,
        workdir: cwd,
        env: containerRunEnv(plan),
        readOnly: [this.config.pythonPath, ...(envDetail ? [envDetail.prefix] : [])],
        gpus: Array.isArray(spec.resources?.gpus) ? spec.resources.gpus : [],
        gpuCount: typeof spec.resources?.gpus === 'number' ? spec.resources.gpus : 0,
        memoryBytes: parseSize(spec.resources?.memory),
        nanoCpus: spec.resources?.cpus ? Math.round(spec.resources.cpus * 1e9) : undefined,
        timeoutMs,
        logCapBytes,
        redact,
      });
    } else {
      const env = localRunEnv(plan, this.config.env ?? process.env, dir, gpus);
      shimPid = await this.shims.launch(dir, { argv, cwd, env, timeoutMs, logCapBytes, redact });
    }
    if (this.disposed) return; // the run goes on; the next core reattaches to it
    this.store.update(r.id, { status: 'running', startedAt: new Date().toISOString(), gpus, lineage, shimPid });
    const now = this.store.get(r.id)!;
    this._onDidChangeRun.fire(runInfo(now));
    this.watch(now);
  }

  /** The env a spec names: a conda env by name or prefix, or a published env by slug (installed when missing). */
  private async jobEnv(spec: JobSpec): Promise<EnvDetail | undefined> {
    if (!spec.env) return undefined;
    const e = spec.env;
    const found = 'slug' in e ? this.envs.envForPublished(e.slug) : this.envs.show('conda' in e ? e.conda : e.prefix);
    return found.catch((err: AppError) => {
      throw new AppError('INVALID_SPEC', `env: ${err.message}`);
    });
  }

  private secretValues(spec: JobSpec): string[] {
    return (spec.secrets ?? []).map((s) => this.secret(s) ?? '').filter(Boolean);
  }

  /** What is left of a run's timeout after a restart. */
  private remainingTimeout(r: StoredRun): number | undefined {
    if (!r.spec.timeout || !r.startedAt) return undefined;
    return Math.max(1, durationSeconds(r.spec.timeout) * 1000 - (Date.now() - Date.parse(r.startedAt)));
  }

  private async envHash(prefix: string): Promise<string | undefined> {
    const { createHash } = await import('node:crypto');
    const text = await this.envs.export(prefix, 'explicit').catch(() => this.envs.export(prefix, 'yaml').catch(() => undefined));
    return text ? createHash('sha256').update(text.replace(/^# exported by Lathe from .*$/m, '')).digest('hex') : undefined;
  }

  /** Follows a running run's folder until its shim reports the end. */
  private watch(r: StoredRun): void {
    if (this.watchers.has(r.id)) return;
    const w = new RunWatcher(this.runDir(r.id), r, this.store, this.config.pollMs ?? 200, {
      onLog: (chunk) => this.logEmitters.get(r.id)?.fire(chunk),
      onMetrics: (series) => this.metricEmitters.get(r.id)?.fire(series),
      onExit: (status, code, reason) => {
        this.watchers.delete(r.id);
        this.finish(r.id, status, code, reason);
      },
      onError: (err) => this.log.warn(`run ${r.id}: ${err.message}`),
    }, this.config.sampleMs);
    this.watchers.set(r.id, w);
    w.start();
  }

  private finish(id: string, status: RunStatus, code: number | null, reason: string): void {
    if (this.disposed) return;
    this.store.update(id, { status, exitCode: code, reason, endedAt: new Date().toISOString(), shimPid: null });
    const r = this.store.get(id)!;
    this._onDidChangeRun.fire(runInfo(r));
    this.logEmitters.get(id)?.fire({ runId: id, n: r.logLines, text: '', count: 0, streams: [], end: true });
    if ((status === 'failed' || status === 'timed_out') && r.attempt <= r.spec.retries && !this.disposed) {
      this.log.info(`run ${id} ${status}; retrying (attempt ${r.attempt + 1} of ${r.spec.retries + 1})`);
      this.enqueue(r.spec, r.baseDir, r.attempt + 1, id);
    }
    void this.schedule();
  }

  async list(filter?: { status?: RunStatus[]; name?: string; limit?: number }): Promise<RunInfo[]> {
    return this.store.list(filter).map(runInfo);
  }

  private need(id: string): StoredRun {
    const r = this.store.get(id);
    if (!r) throw new AppError('NOT_FOUND', `No run ${id}. \`lathe job list\` shows the runs.`);
    return r;
  }

  async get(id: string): Promise<RunDetail> {
    return this.store.detail(this.need(id));
  }

  async logs(id: string, from = 0, limit = 10_000): Promise<LogChunk> {
    const r = this.need(id);
    const c = await readLogLines(this.runDir(id), id, from, limit);
    return isFinal(r.status) && c.n + c.count >= r.logLines ? { ...c, end: true } : c;
  }

  async metrics(id: string, names?: string[]): Promise<MetricSeries[]> {
    this.need(id);
    return this.store.metrics(id, names);
  }

  async cancel(id: string): Promise<RunInfo> {
    const r = this.need(id);
    if (r.status === 'queued') this.finish(id, 'cancelled', null, 'cancelled before it started');
    else if (r.status === 'running' && (r.shimPid || r.spec.target !== 'local')) {
      // Leave a mark first: a shim still starting up (or killed by the signal before it could handle it) is
      // then known to have been cancelled, not lost.
      writeFileSync(join(this.runDir(id), 'cancel'), '');
      if (r.spec.target !== 'local') {
        const state = JSON.parse(readFileSync(join(this.runDir(id), 'state.json'), 'utf8')) as { containerId?: string };
        if (state.containerId) await this.containers.stop(r.spec.target.docker, state.containerId);
        return runInfo(this.store.get(id)!);
      }
      try {
        process.kill(r.shimPid!, 'SIGTERM');
      } catch {
        // Already ending: the watcher records how.
      }
    }
    return runInfo(this.store.get(id)!);
  }

  async rerun(id: string): Promise<RunInfo> {
    const r = this.need(id);
    if (!isFinal(r.status)) throw new AppError('INVALID_ARGUMENT', `Run ${id} is ${r.status}; rerun it once it has ended (or cancel it first).`);
    await this.check(r.spec, r.baseDir);
    return this.enqueue(r.spec, r.baseDir, 1, id);
  }

  onDidLog(arg: { id: string; from?: number; tail?: number }): Event<LogChunk> {
    let em = this.logEmitters.get(arg.id);
    if (!em) this.logEmitters.set(arg.id, (em = new Emitter<LogChunk>()));
    // The watcher's count of stored lines (it may trail the files by a read: a few more lines come, never fewer).
    const stored = arg.tail ? (this.store.get(arg.id)?.logLines ?? 0) : 0;
    const from = Math.max(arg.from ?? 0, arg.tail ? stored - arg.tail : 0);
    return replayThenFollow(em.event, this.runDir(arg.id), arg.id, from, () => {
      const r = this.store.get(arg.id);
      return !!r && isFinal(r.status);
    }, (m) => this.log.warn(m));
  }

  onDidMetric(arg: { id: string }): Event<MetricSeries[]> {
    let em = this.metricEmitters.get(arg.id);
    if (!em) this.metricEmitters.set(arg.id, (em = new Emitter<MetricSeries[]>()));
    return em.event;
  }

  /** Stops following runs; the runs themselves keep going (their shims are detached) and a new core reattaches. */
  dispose(): void {
    this.disposed = true;
    for (const w of this.watchers.values()) w.dispose();
    this.watchers.clear();
    this.containers.dispose();
    this.shims.dispose();
    this._onDidChangeRun.dispose();
  }
}
