import { existsSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { isOwnProcessAlive } from '../../base/node/processes';
import type { LogChunk, MetricSeries, RunStatus } from '../../common/jobs';
import type { JobStore, StoredRun } from './jobStore';
import { cpuPercent, sampleGpus, sampleGroup, type GroupSample } from './systemSampler';
import { FileTail, openSegments, parseMetricLines, readExit, readState, type LogPiece, type LogReader } from './runFiles';
import type { ShimState } from './jobShim';

/** What a watcher reports. */
export interface WatcherHooks {
  onLog(chunk: LogChunk): void;
  onMetrics(series: MetricSeries[]): void;
  onExit(status: RunStatus, code: number | null, reason: string): void;
  onError(err: Error): void;
}

/**
 * Follows one run's folder: new log lines (numbered across rotations) go to subscribers, metric records
 * go to SQLite in batches with their file offset, and exit.json ends it. Offsets live in the database, so
 * a new core resumes exactly where the old one stopped: no line is lost or sent twice.
 */
export class RunWatcher {
  /** The log segment being read (found on the first tick: a restarted core may find the files rotated since). */
  private log: LogReader | undefined;
  /** The line its segment starts at. */
  private segFirst = 0;
  /** When `log` is output.1.log: output.log, read next, and the line it starts at. */
  private after: { reader: LogReader; first: number } | undefined;
  private metrics: FileTail;
  /** Samples a container follower writes (system/* metrics of container runs). */
  private system: FileTail;
  private lines: number;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private ticks = 0;
  private lastSample: GroupSample | undefined;
  private lastSampleAt = 0;
  private fsWatch: FSWatcher | undefined;
  private ticking = false;
  /** Changes arrived during a tick: run another at once. */
  private again = false;
  /** The next tick was started by a change event (else by the clock). */
  private woken = false;
  private dirty: Set<string> | 'all' = new Set();
  private state: ShimState | undefined;
  private sampling = false;

  constructor(
    private readonly dir: string,
    private readonly run: StoredRun,
    private readonly store: JobStore,
    private readonly pollMs: number,
    private readonly hooks: WatcherHooks,
    private readonly sampleMs = 2000,
  ) {
    this.metrics = new FileTail(join(dir, 'metrics.jsonl'), run.metricsOffset);
    this.system = new FileTail(join(dir, 'system.jsonl'), run.systemOffset);
    this.lines = run.logLines;
  }

  start(): void {
    // Woken by the shim's writes (inotify) as they happen; the poll is the fallback where no events come
    // (network file systems) and the clock for system samples and the shim's liveness.
    try {
      this.fsWatch = watch(this.dir, (_, name) => this.wake(name ?? undefined));
      this.fsWatch.on('error', () => undefined);
    } catch {
      // polling alone
    }
    this.timer = setTimeout(() => void this.tick(), 0);
  }

  /** A change in the run folder: `file` (or, unnamed, any file) is read on the next tick. */
  private wake(file?: string): void {
    if (this.stopped) return;
    if (this.dirty !== 'all') {
      if (file) this.dirty.add(file.replace(/\.tmp$/, ''));
      else this.dirty = 'all';
    }
    if (this.ticking) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.woken = true;
    this.timer = setTimeout(() => void this.tick(), 0);
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    this.ticking = true;
    this.again = false;
    // A tick the clock started looks at everything; one an event started reads only the files that changed.
    const dirty = this.woken ? this.dirty : 'all';
    this.dirty = new Set();
    this.woken = false;
    try {
      await this.step((f) => dirty === 'all' || dirty.has(f));
    } finally {
      this.ticking = false;
    }
    if (this.stopped) return;
    this.woken = this.again;
    this.timer = setTimeout(() => void this.tick(), this.again ? 0 : this.pollMs);
  }

  private async step(changed: (file: string) => boolean): Promise<void> {
    try {
      // Read the exit first: everything written before it is then drained below.
      const exit = changed('exit.json') ? await readExit(this.dir) : undefined;
      const state = changed('state.json') ? (this.state = await readState(this.dir)) : this.state;
      if (this.stopped) return;
      if (!this.log) {
        await this.locate(this.run.logOffset);
        if (this.stopped) return;
      } else if (state && !state.rotating && !this.after && state.first !== this.segFirst) {
        // The segment being read was rotated away (this reader holds it open): it is complete, so read it to its
        // end, then find what follows it now (output.1.log after more rotations, else output.log).
        for (let p = await this.log.next(); p; p = await this.log.next()) {
          if (this.stopped) return;
          this.emit(p);
          this.store.update(this.run.id, { logOffset: this.log.offset, logLines: this.lines });
        }
        await this.locate(this.log.offset);
        if (this.stopped) return;
      }
      const log = () => this.log!;
      // Drain what is there in pieces of at most 2 MiB (one RPC frame each); a busy run is read again at once.
      let budget = 32 * 1024 * 1024;
      const logChanged = this.log && (exit || this.after || changed('output.log') || changed('output.streams') || changed('state.json'));
      while (logChanged) {
        const before = log().offset;
        const piece = await log().next(2 * 1024 * 1024);
        if (this.stopped) return;
        if (piece) {
          this.emit(piece);
          this.store.update(this.run.id, { logOffset: log().offset, logLines: this.lines });
        }
        budget -= log().offset - before;
        if ((!piece || log().atEnd) && this.after) {
          // output.1.log is read (it is complete): on to output.log.
          void log().close();
          this.log = this.after.reader;
          this.segFirst = this.after.first;
          this.after = undefined;
          continue;
        }
        if (!exit && budget <= 0) {
          // More to read: come back at once.
          this.again = true;
          if (this.dirty !== 'all') this.dirty.add('output.log');
        }
        if (!piece || log().atEnd || (!exit && budget <= 0)) break;
      }
      for (const [tail, file] of [
        [this.metrics, 'metrics'],
        [this.system, 'system'],
      ] as const) {
        if (!exit && !changed(`${file}.jsonl`)) continue;
        for (;;) {
          const m = await tail.read(4 * 1024 * 1024);
          if (this.stopped) return;
          if (!m.lines.length) break;
          const records = parseMetricLines(m.lines);
          this.store.ingest(this.run.id, records, m.offset, file);
          const byName = new Map<string, MetricSeries>();
          for (const r of records) {
            if (r.k !== 'm' && r.k !== 'b') continue;
            let s = byName.get(r.n);
            if (!s) byName.set(r.n, (s = { name: r.n, points: [] }));
            if (r.k === 'm') s.points.push({ step: r.s, value: r.v, t: r.t });
            else for (let i = 0; i < r.v.length; i++) s.points.push({ step: r.s[i]!, value: r.v[i]!, t: r.t[i]! });
          }
          if (byName.size) this.hooks.onMetrics([...byName.values()]);
          if (!exit) break;
        }
      }
      if (!exit && state?.childPid && !this.sampling && Date.now() - this.lastSampleAt >= this.sampleMs) {
        // Off the tick: nvidia-smi takes a while to answer, and logs must not wait for it.
        this.sampling = true;
        void this.sampleSystem(state.childPid)
          .catch((err: Error) => this.hooks.onError(err))
          .finally(() => (this.sampling = false));
      }
      if (!exit && this.run.shimPid && ++this.ticks % 10 === 0 && !isOwnProcessAlive(this.run.shimPid) && !(await readExit(this.dir))) {
        // The shim died without recording an end (killed, or signalled before it could set up).
        this.dispose();
        const cancelled = existsSync(join(this.dir, 'cancel'));
        this.hooks.onExit(cancelled ? 'cancelled' : 'lost', null, cancelled ? 'cancelled' : 'its supervisor died without recording how the job ended');
        return;
      }
      if (exit) {
        if (this.stopped) return;
        this.dispose();
        const secs = this.run.spec.timeout;
        if (exit.reason === 'timeout') this.hooks.onExit('timed_out', exit.code, `timed out after ${secs}${typeof secs === 'number' ? 's' : ''}`);
        else if (exit.reason === 'cancelled') this.hooks.onExit('cancelled', exit.code, 'cancelled');
        else if (exit.reason === 'spawn-failed') this.hooks.onExit('failed', null, `could not start: ${exit.message ?? 'unknown error'}`);
        else if (exit.code === 0) this.hooks.onExit('succeeded', 0, 'exit 0');
        else this.hooks.onExit('failed', exit.code, exit.code === null ? `killed by ${exit.signal}` : `exit ${exit.code}`);
        return;
      }
    } catch (err) {
      this.hooks.onError(err as Error);
    }
  }

  /**
   * System metrics of the run: CPU (percent of one core) and resident memory of its whole process group,
   * and utilisation and memory of its GPUs (nvidia-smi), as metrics named system/… with seconds as steps.
   */
  private async sampleSystem(pgid: number): Promise<void> {
    this.lastSampleAt = Date.now();
    const s = sampleGroup(pgid);
    if (!s || this.stopped) return;
    const t = s.at / 1000;
    const step = Math.round((s.at - Date.parse(this.run.startedAt ?? new Date(s.at).toISOString())) / 1000);
    const series: MetricSeries[] = [{ name: 'system/memory_mb', points: [{ step, value: Math.round(s.rssBytes / 1048576), t }] }];
    if (this.lastSample) series.push({ name: 'system/cpu_percent', points: [{ step, value: Math.round(cpuPercent(this.lastSample, s) * 10) / 10, t }] });
    this.lastSample = s;
    for (const g of await sampleGpus(this.run.gpus)) {
      series.push({ name: `system/gpu${g.id}_util_percent`, points: [{ step, value: g.utilPercent, t }] }, { name: `system/gpu${g.id}_memory_mb`, points: [{ step, value: g.memoryMb, t }] });
    }
    if (this.stopped) return;
    this.store.addPoints(this.run.id, series);
    this.hooks.onMetrics(series);
  }

  /**
   * Finds where line `this.lines` (at byte `offset` of the segment it was read from) is in the files as they are now:
   * on the first tick (a restarted core resumes from the database) and when the segment read so far was rotated away.
   * Lines rotated out of both files before they were read are gone: said so, and numbering goes on after them.
   */
  private async locate(offset: number): Promise<void> {
    const seg = await openSegments(this.dir);
    if (!seg) return; // nothing written yet: the next tick looks again
    void this.log?.close();
    void this.after?.reader.close();
    this.after = undefined;
    if (this.stopped) {
      void seg.older.close();
      void seg.current.close();
      return;
    }
    if (this.lines >= seg.first) {
      void seg.older.close();
      this.log = seg.current;
      this.log.offset = this.lines > seg.first ? offset : 0;
      this.segFirst = seg.first;
      return;
    }
    if (this.lines < seg.olderFirst) {
      this.hooks.onError(new Error(`log lines ${this.lines + 1}-${seg.olderFirst} were rotated out before they could be read (the job wrote more than twice the log cap meanwhile; was the core away?)`));
      this.lines = seg.olderFirst;
    }
    this.log = seg.older;
    this.log.offset = this.lines > seg.olderFirst ? offset : 0;
    this.segFirst = seg.olderFirst;
    this.after = { reader: seg.current, first: seg.first };
  }

  private emit(p: LogPiece): void {
    this.hooks.onLog({ runId: this.run.id, n: this.lines, ...p });
    this.lines += p.count;
  }

  dispose(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.fsWatch?.close();
    void this.log?.close();
    void this.after?.reader.close();
  }
}
