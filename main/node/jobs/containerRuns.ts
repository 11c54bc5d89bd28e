import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import Docker from 'dockerode';
import { AppError } from '../../common/errors';
import type { Logger } from '../../base/node/logger';
import { RunLogWriter, type LogState } from './runLogWriter';
import { copyArtifactsOut, recordedArtifacts, splitMetricsLine, tarForContainer } from './containerCopy';
import type { ExitFile } from './jobShim';
import { demuxBuffer, dockerFor } from './dockerHost';

/** Where a container target lives, from the spec. */
export interface DockerTarget {
  host?: string;
  image: string;
  mounts?: string[];
  /** Bind-mount the job's files (an engine on this machine) or copy them in (default for ssh:// and remote tcp:// hosts). */
  files?: 'mount' | 'copy';
}

/** The timestamp the engine puts before each log entry when asked for timestamps. */
const ENTRY_TS = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)) /;

/** Whether a target's files are copied into the container rather than bind-mounted from this machine. */
export function copiesFiles(t: DockerTarget): boolean {
  if (t.files) return t.files === 'copy';
  const host = t.host ?? '';
  if (host.startsWith('ssh://')) return true;
  if (host.startsWith('tcp://')) return !/^tcp:\/\/(127\.0\.0\.1|localhost|\[::1\])(:|$)/.test(host);
  return false;
}

/** What a container run needs, resolved by the job service. */
export interface ContainerLaunch {
  runId: string;
  runDir: string;
  argv: string[];
  /** The host folder mounted at /work (the job's working directory). */
  workdir: string;
  env: Record<string, string>;
  /** Host paths mounted read-only at the same place (a conda env, Lathe's Python client); copied there on remote hosts. */
  readOnly: string[];
  /** GPU device ids or MIG UUIDs; or a count in gpuCount. */
  gpus: string[];
  gpuCount: number;
  memoryBytes?: number;
  nanoCpus?: number;
  timeoutMs?: number;
  logCapBytes: number;
  redact: string[];
}

interface ContainerState extends LogState {
  containerId?: string;
  /** Written by Lathe before durable cursors: the last timestamp taken (both streams), and how many entries had it. */
  lastTs?: string;
  lastTsLines?: number;
}

/**
 * Where one stream of a container's log stands: the engine's timestamp (RFC 3339, nanoseconds) of the last entry
 * taken, and how many entries of that stream carried exactly that timestamp up to it.
 */
interface LogCursor {
  ts: string;
  n: number;
}

const LABEL = 'dev.lathe.run';

/** A log timestamp that compares in time order as a string (fractions padded to nanoseconds). */
function tsKey(ts: string): string {
  const m = /^(.*?)(?:\.(\d+))?Z$/.exec(ts);
  return m ? `${m[1]}.${(m[2] ?? '').padEnd(9, '0')}Z` : ts;
}

/**
 * Jobs in containers through dockerode (Docker Engine, or podman's Docker-compatible API): the working
 * directory at /work, the run folder at /lathe/run (metrics), read-only binds for envs and Lathe's Python
 * client, GPUs through DeviceRequests, memory and CPU limits, and a label that finds the container again.
 * The core follows the container's demultiplexed logs into the run folder in the same format as local runs,
 * so one watcher serves both; after a core restart it resumes from the last log timestamp.
 */
export class ContainerRuns {
  private readonly follows = new Map<string, { stop(): void }>();

  constructor(
    private readonly log: Logger,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  private docker(host: string | undefined): Docker {
    return dockerFor(host, this.env);
  }

  private readonly podman = new WeakMap<Docker, Promise<boolean>>();
  /** Whether the engine is podman (its /version lists a "Podman Engine" component). */
  private isPodman(docker: Docker): Promise<boolean> {
    let p = this.podman.get(docker);
    if (!p) {
      p = docker.version().then(
        (v: { Components?: { Name?: string }[] }) => (v.Components ?? []).some((c) => /podman/i.test(c.Name ?? '')),
        () => false,
      );
      this.podman.set(docker, p);
    }
    return p;
  }

  /**
   * podman's log stream with follow drops entries (k8s-file driver: podman issues #17286, #21914, #23615, seen here on
   * 4.3 after every core restart), while a read without follow returns the log file as it is. So on podman the log is
   * read without follow, again and again from the last entry taken (each stream skips what it had by its cursor),
   * until a read that began after the container exited: every line exactly once. A read costs about the part of the
   * log since the cursor's second; the pause between reads grows with the read's time, so polling stays light.
   */
  private async pollLogs(
    container: Docker.Container,
    lineOut: (s: 'o' | 'e') => NodeJS.WritableStream & { rewind(): { ts: string } | undefined },
    stopped: () => boolean,
  ): Promise<{ StatusCode: number }> {
    const out = lineOut('o');
    const err = lineOut('e');
    for (;;) {
      const info = (await container.inspect()) as { State: { Running?: boolean; ExitCode?: number; Status?: string } };
      const exited = !info.State.Running && info.State.Status !== 'created';
      const from = [out.rewind(), err.rewind()].filter((c) => !!c).map((c) => Math.floor(Date.parse(c!.ts) / 1000));
      const started = Date.now();
      const buf = (await container.logs({ follow: false, stdout: true, stderr: true, timestamps: true, ...(from.length ? { since: Math.min(...from) } : {}) })) as unknown as Buffer;
      if (stopped()) return { StatusCode: info.State.ExitCode ?? -1 };
      demuxBuffer(buf, out, err);
      if (exited) {
        out.end();
        err.end();
        await new Promise((r) => setImmediate(r));
        return { StatusCode: info.State.ExitCode ?? -1 };
      }
      await new Promise((r) => setTimeout(r, Math.min(2000, Math.max(250, 2 * (Date.now() - started)))));
      if (stopped()) return { StatusCode: -1 };
    }
  }

  /** Fails early and plainly when the engine is unreachable or the image is missing. */
  async check(t: DockerTarget): Promise<{ imageId: string }> {
    const docker = this.docker(t.host);
    const where = t.host ?? this.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
    try {
      await docker.ping();
    } catch (err) {
      const msg = (err as Error).message;
      if (where.startsWith('ssh:') && /verification failed/i.test(msg)) {
        const u = new URL(where);
        throw new AppError('ENGINE_UNAVAILABLE', `The SSH host key of ${u.hostname} is not in ~/.ssh/known_hosts (or changed). Check it, then add it: ssh-keyscan -p ${u.port || 22} ${u.hostname} >> ~/.ssh/known_hosts`);
      }
      throw new AppError('ENGINE_UNAVAILABLE', `Cannot reach the container engine at ${where} (${msg}). Start Docker, or podman's API with \`podman system service --time=0 unix:///path/podman.sock\`, and set target.docker.host.`);
    }
    try {
      const info = await docker.getImage(t.image).inspect();
      return { imageId: info.Id };
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) throw new AppError('IMAGE_NOT_FOUND', `target.docker.image: ${t.image} is not on ${where}. Build or pull it there first (docker pull / podman import).`);
      throw new AppError('ENGINE_UNAVAILABLE', `Cannot inspect ${t.image} on ${where}: ${(err as Error).message}`);
    }
  }

  async start(t: DockerTarget, l: ContainerLaunch): Promise<string> {
    const docker = this.docker(t.host);
    const copy = copiesFiles(t);
    // On another host this machine's paths mean nothing: only the target's own mounts are bound, the rest is copied in.
    const binds = copy ? [...(t.mounts ?? [])] : [`${l.workdir}:/work`, `${l.runDir}:/lathe/run`, ...l.readOnly.map((p) => `${p}:${p}:ro`), ...(t.mounts ?? [])];
    const env = copy ? { ...l.env, LATHE_METRICS_STREAM: 'stderr' } : l.env;
    const container = await docker.createContainer({
      Image: t.image,
      Cmd: l.argv,
      WorkingDir: '/work',
      Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
      Labels: { [LABEL]: l.runId },
      Tty: false,
      HostConfig: {
        Binds: binds,
        ...(l.memoryBytes ? { Memory: l.memoryBytes } : {}),
        ...(l.nanoCpus ? { NanoCpus: l.nanoCpus } : {}),
        ...(l.gpus.length ? { DeviceRequests: [{ Driver: 'nvidia', DeviceIDs: l.gpus, Capabilities: [['gpu']] }] } : l.gpuCount ? { DeviceRequests: [{ Driver: 'nvidia', Count: l.gpuCount, Capabilities: [['gpu']] }] } : {}),
      },
    });
    if (copy) {
      const empty = mkdtempSync(join(tmpdir(), 'lathe-run-'));
      const items = [{ hostPath: l.workdir, containerPath: '/work' }, ...l.readOnly.map((p) => ({ hostPath: p, containerPath: p })), { hostPath: empty, containerPath: '/lathe/run' }];
      await container.putArchive(tarForContainer(items) as unknown as NodeJS.ReadableStream, { path: '/' }).finally(() => rmSync(empty, { recursive: true, force: true })).catch(async (err: Error) => {
        await container.remove({ force: true }).catch(() => undefined);
        throw new AppError('COPY_FAILED', `Could not copy the job's files into the container on ${t.host ?? 'the engine'}: ${err.message}. Check the host's disk space, or set files: mount if the engine sees this machine's folders.`);
      });
    }
    await container.start();
    this.follow(t, container.id, l.runDir, l.runId, l.logCapBytes, l.redact, l.timeoutMs);
    return container.id;
  }

  /** Follows a container's logs into the run folder until it exits, then records how it ended. */
  follow(t: DockerTarget, containerId: string, runDir: string, runId: string, capBytes: number, redact: string[], timeoutMs?: number): void {
    if (this.follows.has(runId)) return;
    const statePath = join(runDir, 'state.json');
    const prev = existsSync(statePath) ? (JSON.parse(readFileSync(statePath, 'utf8')) as ContainerState) : undefined;
    const state: ContainerState = { first: prev?.first ?? 0, containerId, ...(prev?.durable ? { durable: prev.durable } : {}) };
    // Lines written after the last recorded cursor are cut off here and come again from the engine (exactly once).
    const writer = new RunLogWriter(runDir, capBytes, redact, state, true);
    writer.saveState();
    const docker = this.docker(t.host);
    const container = docker.getContainer(containerId);
    const copy = copiesFiles(t);
    let stopped = false;
    let timedOut = false;
    const timer = timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          container.stop({ t: 5 }).catch(() => undefined);
        }, timeoutMs)
      : undefined;
    const legacy = prev?.lastTs ? { ts: prev.lastTs, n: prev.lastTsLines ?? 0 } : undefined;
    const resumeAt = (s: 'o' | 'e') => (prev?.durable?.cursor[s] as LogCursor | undefined) ?? legacy;
    let logStream: NodeJS.ReadableStream | undefined;
    /** When the engine last sent log bytes (to tell a stream still replaying from one left open). */
    let lastDataAt = Date.now();
    const emit = (s: 'o' | 'e', text: string, cursor: LogCursor | undefined) => {
      if (copy && s === 'e') {
        const m = splitMetricsLine(text);
        if (m.record) appendFileSync(join(runDir, 'metrics.jsonl'), m.record + '\n');
        if (m.text !== undefined) writer.line(s, m.text, cursor);
      } else writer.line(s, text, cursor);
    };
    /**
     * The engine sends one entry per frame, "TIMESTAMP content", and a program that writes part of a line (print()
     * writes the text and its newline separately) gets an entry without a newline, continued by the next entry with a
     * timestamp of its own. So every segment that starts an entry may carry a timestamp: it is stripped there, and a
     * partial line waits for the rest. Timestamps also skip what a previous core already wrote.
     */
    const lineOut = (s: 'o' | 'e', from = resumeAt(s)) => {
      // Bytes until a line is whole: an entry can end inside a multibyte character (a program that writes part of
      // one), and the rest then arrives after the next entry's timestamp. Decoding per entry would break it in two.
      let rest: Buffer[] = [];
      /** Set when the stream is given up half-way: what it still holds comes again from a fresh read. */
      let cut = false;
      // This stream's resume point (entries up to it were written before), and where it stands now.
      let since = from ? tsKey(from.ts) : undefined;
      let skipAtSince = from?.n ?? 0;
      let seen: LogCursor | undefined = from ? { ...from } : undefined;
      const pt = new PassThrough()
        .on('data', (d: Buffer) => {
          lastDataAt = Date.now();
          let from = 0;
          while (from < d.length) {
            if (stopped || cut) return;
            const nl = d.indexOf(10, from);
            let seg = d.subarray(from, nl < 0 ? d.length : nl);
            from = nl < 0 ? d.length : nl + 1;
            const m = ENTRY_TS.exec(seg.toString('latin1', 0, Math.min(seg.length, 48)));
            if (m) {
              const ts = m[1]!;
              seg = seg.subarray(m[0].length);
              const k = tsKey(ts);
              if (since) {
                if (k < since) continue;
                if (k === since && skipAtSince > 0) {
                  skipAtSince--;
                  continue;
                }
              }
              seen = seen && tsKey(seen.ts) === k ? { ts: seen.ts, n: seen.n + 1 } : { ts, n: 1 };
            }
            if (nl < 0) rest.push(Buffer.from(seg));
            else {
              emit(s, Buffer.concat([...rest, seg]).toString('utf8'), seen);
              rest = [];
            }
          }
        })
        .on('end', () => {
          if (rest.length && !stopped && !cut) emit(s, Buffer.concat(rest).toString('utf8'), seen);
          rest = [];
        });
      return Object.assign(pt, {
        cut: () => {
          cut = true;
          rest = [];
        },
        /** Where a read from the engine must start for this stream, and makes the next entries skip up to there. */
        rewind: (): LogCursor | undefined => {
          since = seen ? tsKey(seen.ts) : undefined;
          skipAtSince = seen?.n ?? 0;
          return seen;
        },
      });
    };
    const saver = setInterval(() => writer.saveState(), 500);
    // podman leaves precpu_stats empty and updates its stats stream every ~5 s: poll one-shot stats and
    // take CPU deltas ourselves. Samples go to system.jsonl, which the run watcher ingests like metrics.
    let prevCpu: { total: number; system: number; at: number } | undefined;
    const startedAt = Date.now();
    const sampler = setInterval(() => {
      void container
        .stats({ stream: false })
        .then((st: Docker.ContainerStats) => {
          if (stopped) return;
          const t = Date.now();
          const total = st.cpu_stats?.cpu_usage?.total_usage ?? 0;
          const sys = st.cpu_stats?.system_cpu_usage ?? 0;
          const cpus = st.cpu_stats?.online_cpus || st.cpu_stats?.cpu_usage?.percpu_usage?.length || 1;
          const step = Math.round((t - startedAt) / 1000);
          const lines = [`{"k":"m","n":"system/memory_mb","v":${Math.round((st.memory_stats?.usage ?? 0) / 1048576)},"s":${step},"t":${t / 1000}}`];
          if (prevCpu && sys > prevCpu.system) lines.push(`{"k":"m","n":"system/cpu_percent","v":${Math.round(((total - prevCpu.total) / (sys - prevCpu.system)) * cpus * 1000) / 10},"s":${step},"t":${t / 1000}}`);
          else if (prevCpu && t > prevCpu.at) lines.push(`{"k":"m","n":"system/cpu_percent","v":${Math.round(((total - prevCpu.total) / 1e6 / (t - prevCpu.at)) * 1000) / 10},"s":${step},"t":${t / 1000}}`);
          prevCpu = { total, system: sys, at: t };
          appendFileSync(join(runDir, 'system.jsonl'), lines.join('\n') + '\n');
        })
        .catch(() => undefined);
    }, 2000);
    const finish = async (exit: Omit<ExitFile, 'endedAt' | 'lines'>) => {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      clearInterval(saver);
      clearInterval(sampler);
      if (copy) {
        // The run's files stayed on the other host: bring back what the job recorded as artifacts.
        const failed = await copyArtifactsOut(container, recordedArtifacts(runDir), runDir);
        for (const f of failed) writer.line('e', `[lathe] could not copy the artifact ${f}`);
      }
      writer.close();
      writer.saveState();
      this.follows.delete(runId);
      // The container's own end time: after a core restart "now" is when the new core noticed, not when it ended.
      const finishedAt = await container
        .inspect()
        .then((i: { State?: { FinishedAt?: string } }) => i.State?.FinishedAt)
        .catch(() => undefined);
      const endedAt = finishedAt && Date.parse(finishedAt) > 0 ? new Date(Date.parse(finishedAt)).toISOString() : new Date().toISOString();
      const full: ExitFile = { ...exit, endedAt, lines: writer.lines };
      writeFileSync(join(runDir, 'exit.json.tmp'), JSON.stringify(full));
      renameSync(join(runDir, 'exit.json.tmp'), join(runDir, 'exit.json'));
    };
    const detach = {
      stop: () => {
        stopped = true;
        clearTimeout(timer);
        clearInterval(saver);
        clearInterval(sampler);
        (logStream as { destroy?: () => void } | undefined)?.destroy?.();
        writer.close();
        writer.saveState();
      },
    };
    this.follows.set(runId, detach);
    /** Docker Engine: one log stream with follow, then a read without follow from the last line written. */
    const followLogs = async (): Promise<{ StatusCode: number }> => {
      // The engine's `since` is in whole seconds: from the earlier of the streams' cursors, then skip by cursor. (A
      // stream with no cursor wrote no whole line yet; a replay from the very start would take long on a big log.)
      const starts = (['o', 'e'] as const).map((x) => resumeAt(x)?.ts).filter((t): t is string => !!t).map((t) => Math.floor(Date.parse(t) / 1000));
      const stream = (await container.logs({ follow: true, stdout: true, stderr: true, timestamps: true, ...(starts.length ? { since: Math.min(...starts) } : {}) })) as unknown as NodeJS.ReadableStream;
      logStream = stream;
      if (stopped) (stream as { destroy?: () => void }).destroy?.();
      const out = lineOut('o');
      const err = lineOut('e');
      docker.modem.demuxStream(stream, out, err);
      const ended = new Promise<void>((res) => {
        stream.on('end', res);
        stream.on('close', res);
        stream.on('error', () => res());
      });
      const result = (await container.wait()) as { StatusCode: number };
      // The engine ends the log stream once it has sent everything; wait for that, or until the stream has been quiet
      // for 5 s (a loaded engine pauses), at most 60 s, then read on without follow from the last line written.
      let streamEnded = false;
      void ended.then(() => (streamEnded = true));
      const giveUpAt = Date.now() + 60_000;
      while (!streamEnded && Date.now() - lastDataAt < 5000 && Date.now() < giveUpAt) await new Promise((r) => setTimeout(r, 50));
      if (streamEnded) {
        out.end();
        err.end();
      } else {
        (stream as { destroy?: () => void }).destroy?.();
        out.cut();
        err.cut();
      }
      // Let the line splitters write a last line that had no newline before the run is closed.
      await new Promise((r) => setImmediate(r));
      if (stopped) return result;
      // The container has exited, so a read without follow returns everything and ends: whatever the stream missed
      // comes now, and what was written already is skipped by its cursor. Exactly once either way.
      writer.flush();
      const cursor = (state.durable?.cursor ?? {}) as { o?: LogCursor; e?: LogCursor };
      const from = (['o', 'e'] as const).map((x) => cursor[x]?.ts).filter((t): t is string => !!t).map((t) => Math.floor(Date.parse(t) / 1000));
      const rest = (await container.logs({ follow: false, stdout: true, stderr: true, timestamps: true, ...(from.length ? { since: Math.min(...from) } : {}) })) as unknown as Buffer;
      const out2 = lineOut('o', cursor.o);
      const err2 = lineOut('e', cursor.e);
      demuxBuffer(rest, out2, err2);
      out2.end();
      err2.end();
      await new Promise((r) => setImmediate(r));
      return result;
    };
    void (async () => {
      try {
        const result = (await this.isPodman(docker)) ? await this.pollLogs(container, (x) => lineOut(x), () => stopped) : await followLogs();
        if (stopped) return;
        const cancelled = existsSync(join(runDir, 'cancel'));
        await finish({ code: result.StatusCode, signal: null, reason: cancelled ? 'cancelled' : timedOut ? 'timeout' : 'exit' });
      } catch (e) {
        if (stopped) return;
        const gone = (e as { statusCode?: number }).statusCode === 404;
        this.log.warn(`run ${runId}: following container ${containerId.slice(0, 12)} failed: ${(e as Error).message}`);
        await finish({ code: null, signal: null, reason: 'spawn-failed', message: gone ? 'the container is gone' : (e as Error).message });
      }
    })();
  }

  /** Stops a run's container (its processes get SIGTERM, then SIGKILL after 5 s). */
  async stop(t: DockerTarget, containerId: string): Promise<void> {
    await this.docker(t.host)
      .getContainer(containerId)
      .stop({ t: 5 })
      .catch((err: { statusCode?: number }) => {
        if (err.statusCode !== 304 && err.statusCode !== 404) throw err;
      });
  }

  /** Lathe's containers on a host, by run id. */
  async find(t: DockerTarget): Promise<Map<string, string>> {
    const list = await this.docker(t.host).listContainers({ all: true, filters: { label: [LABEL] } });
    return new Map(list.map((c) => [c.Labels[LABEL]!, c.Id]));
  }

  /** Stops following (the containers keep running; a new core resumes). */
  dispose(): void {
    for (const f of this.follows.values()) f.stop();
    this.follows.clear();
  }
}
