/**
 * The job shim: a small process that owns one local run, so the run outlives the core (as containerd's
 * shims do). The core starts it detached with the run folder and writes the launch (argv, env with secrets)
 * to its stdin; it starts the job in its own process group,
 * writes every output line to output.log as JSON lines ({s, t, l}; rotated at a size cap into output.1.log,
 * `first` in state.json says which line output.log starts at), enforces the timeout, forwards SIGTERM to the
 * whole process group, and records how the job ended in exit.json. Nothing here imports the core.
 */
import { spawn } from 'node:child_process';
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { RunLogWriter, type LogState } from './runLogWriter';
import { join } from 'node:path';

/** What the core writes to the shim's stdin. */
export interface LaunchFile {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  timeoutMs?: number;
  logCapBytes: number;
  /** Values to blank out of every log line (secrets). */
  redact: string[];
  /** The run folder, for a spare shim (one started with `--spare`). */
  runDir?: string;
}

/** How a run ended, in exit.json. */
export interface ExitFile {
  code: number | null;
  signal: string | null;
  reason: 'exit' | 'timeout' | 'cancelled' | 'spawn-failed';
  message?: string;
  endedAt: string;
  lines: number;
}

/** The shim's live state, in state.json. */
export interface ShimState {
  shimPid: number;
  childPid?: number;
  startedAt: string;
  /** The first line number held by output.log (earlier ones were rotated out). */
  first: number;
  /** Set while the log files are being rotated. */
  rotating?: boolean;
}

/** Reads the launch description from stdin: secrets in it never touch the disk. */
async function readLaunch(): Promise<LaunchFile | undefined> {
  const parts: Buffer[] = [];
  for await (const c of process.stdin as AsyncIterable<Buffer>) {
    parts.push(c);
    receiving = true;
  }
  return parts.length ? (JSON.parse(Buffer.concat(parts).toString('utf8')) as LaunchFile) : undefined;
}

let earlyCancel = false;
/** Whether any of the launch has arrived (a spare signalled before that has no run to account for). */
let receiving = false;

export function runShim(runDir: string, launch: LaunchFile): void {
  const state: ShimState = { shimPid: process.pid, startedAt: new Date().toISOString(), first: 0 };
  const log = new RunLogWriter(runDir, launch.logCapBytes, launch.redact, state as unknown as LogState);
  const saveState = () => log.saveState();
  const emit = (s: 'o' | 'e', l: string) => log.line(s, l);
  const splitter = (s: 'o' | 'e') => log.splitter(s);

  let reason: ExitFile['reason'] = 'exit';
  const finish = (code: number | null, signal: string | null, message?: string) => {
    log.close();
    const exit: ExitFile = { code, signal, reason, message, endedAt: new Date().toISOString(), lines: log.lines };
    writeFileSync(join(runDir, 'exit.json.tmp'), JSON.stringify(exit));
    renameSync(join(runDir, 'exit.json.tmp'), join(runDir, 'exit.json'));
    process.exit(0);
  };

  const child = spawn(launch.argv[0]!, launch.argv.slice(1), { cwd: launch.cwd, env: launch.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = splitter('o');
  const err = splitter('e');
  child.stdout.on('data', out.data);
  child.stderr.on('data', err.data);
  let killTimer: NodeJS.Timeout | undefined;
  const killGroup = (why: ExitFile['reason']) => {
    if (reason === 'exit') reason = why;
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      // Already gone.
    }
    killTimer ??= setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }, 10_000);
  };
  child.on('error', (e) => {
    reason = 'spawn-failed';
    emit('e', `lathe: cannot start ${launch.argv[0]}: ${e.message}`);
    finish(null, null, e.message);
  });
  child.on('spawn', () => {
    state.childPid = child.pid;
    saveState();
  });
  child.on('close', (code, signal) => {
    clearTimeout(killTimer);
    out.end();
    err.end();
    // Whatever the job left running in its group goes with it.
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // Nothing left.
    }
    finish(code, signal);
  });
  if (launch.timeoutMs) setTimeout(() => killGroup('timeout'), launch.timeoutMs).unref();
  process.on('SIGTERM', () => killGroup('cancelled'));
  if (earlyCancel || existsSync(join(runDir, 'cancel'))) killGroup('cancelled');
  process.on('SIGINT', () => killGroup('cancelled'));
  process.on('SIGHUP', () => undefined); // the core going away is not a reason to stop
  saveState();
}

/**
 * `--run-dir DIR`: the launch on stdin is for DIR. `--spare`: a shim started ahead of time (node's start-up is
 * most of a short job's latency) that learns its run folder with the launch; one whose stdin closes without
 * a launch (its core went away or retired it) exits quietly.
 */
const mode = process.argv[2];
if ((mode === '--run-dir' && process.argv[3]) || mode === '--spare') {
  // A cancel can arrive before the job has started: remember it rather than die without an exit.json.
  const early = () => (mode === '--spare' && !receiving ? process.exit(0) : (earlyCancel = true));
  process.on('SIGTERM', early);
  process.on('SIGINT', early);
  void readLaunch().then((l) => {
    const dir = mode === '--spare' ? l?.runDir : process.argv[3];
    if (!l || !dir) process.exit(0);
    process.off('SIGTERM', early);
    process.off('SIGINT', early);
    runShim(dir, l);
  });
}
