import { spawn, type ChildProcess } from 'node:child_process';
import { withoutCoreSecrets } from '../../base/node/coreEnv';
import type { LaunchFile } from './jobShim';

/**
 * Starts job shims. Node's start-up (~50 ms) was most of a short job's time to its first log line, so one
 * spare shim is kept started while jobs are being submitted: it waits on its stdin and learns its run folder
 * with the launch. It is retired (stdin closed, it exits) after `keepWarmMs` without a job and when the core
 * stops; if the core dies, the closed pipe retires it just the same. A spare costs one idle node process.
 */
export class ShimLauncher {
  private spare: ChildProcess | undefined;
  private retireTimer: NodeJS.Timeout | undefined;
  private disposed = false;

  constructor(
    private readonly script: string,
    private readonly cwd: string,
    private readonly keepWarmMs = 5 * 60_000,
  ) {}

  /** The waiting spare's pid, if there is one. */
  get sparePid(): number | undefined {
    return this.spare?.pid;
  }

  /** Starts a spare now (if there is none), so the next launch does not wait for node to start. */
  warm(): void {
    if (this.disposed) return;
    clearTimeout(this.retireTimer);
    this.retireTimer = setTimeout(() => this.retire(), this.keepWarmMs);
    this.retireTimer.unref();
    if (this.spare) return;
    const shim = spawn(process.execPath, [this.script, '--spare'], { detached: true, stdio: ['pipe', 'ignore', 'ignore'], cwd: this.cwd, env: withoutCoreSecrets(process.env) });
    shim.once('error', () => this.spare === shim && (this.spare = undefined));
    shim.once('exit', () => this.spare === shim && (this.spare = undefined));
    // A spare killed from outside: the write fails, and the run's watcher reports its supervisor gone.
    shim.stdin!.on('error', () => undefined);
    // Neither the process nor its pipe keeps the core's event loop alive.
    shim.unref();
    (shim.stdin as unknown as { unref?: () => void }).unref?.();
    this.spare = shim;
  }

  /** Starts the run in `runDir` under a shim (the spare when there is one) and returns the shim's pid. */
  async launch(runDir: string, launch: LaunchFile): Promise<number> {
    let shim = this.spare;
    this.spare = undefined;
    if (!shim || shim.exitCode !== null || shim.signalCode !== null) {
      shim = spawn(process.execPath, [this.script, '--spare'], { detached: true, stdio: ['pipe', 'ignore', 'ignore'], cwd: this.cwd, env: withoutCoreSecrets(process.env) });
      shim.stdin!.on('error', () => undefined);
    }
    if (shim.pid === undefined) {
      await new Promise<void>((res, rej) => {
        shim.once('error', rej);
        shim.once('spawn', () => res());
      });
    }
    shim.stdin!.end(JSON.stringify({ ...launch, runDir }));
    shim.unref();
    this.warm();
    return shim.pid!;
  }

  private retire(): void {
    const s = this.spare;
    this.spare = undefined;
    s?.stdin?.end();
  }

  /** Retires the spare; shims running jobs go on. */
  dispose(): void {
    this.disposed = true;
    clearTimeout(this.retireTimer);
    this.retire();
  }
}
