import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { backoffDelay } from '../main/common/backoff';

/** How the shell starts its core. */
export interface CoreProcessOptions {
  /** The bundled core, dist/core/lathe.mjs. */
  entry: string;
  /** The runtime: Electron's own binary with ELECTRON_RUN_AS_NODE, or node in tests. */
  execPath: string;
  token: string;
  dataDir?: string;
  /** Restart delays in ms; the last one repeats. */
  backoffMs?: number[];
  /** Give up after this many crashes within `crashWindowMs`. */
  maxCrashes?: number;
  crashWindowMs?: number;
  env?: NodeJS.ProcessEnv;
}

/**
 * Runs the core in its own process so a core crash does not take the window down. A crashed core is
 * restarted on the same port with the same token, and the window's connection simply reconnects.
 * Events: 'ready' ({url, port}), 'crash' (code), 'restart', 'giveup' (Error).
 */
export class CoreProcess extends EventEmitter {
  private child: ChildProcess | undefined;
  private port = 0;
  private crashes: number[] = [];
  private stopping = false;
  private restartTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: CoreProcessOptions) {
    super();
  }

  /** Starts the core and resolves with its URL once it listens. */
  start(): Promise<{ url: string; port: number }> {
    return new Promise((resolve, reject) => {
      const child = this.spawn();
      const onReady = (m: unknown) => {
        if (!isReady(m)) return;
        child.off('exit', onEarlyExit);
        resolve({ url: m.url, port: m.port });
      };
      const onEarlyExit = (code: number | null) => {
        child.off('message', onReady);
        reject(new Error(`The Lathe core exited during start-up (code ${code}). See the core log in the data dir.`));
      };
      child.on('message', onReady);
      child.once('exit', onEarlyExit);
    });
  }

  /** The core's pid, for diagnostics. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Stops the core and waits for it to exit (SIGTERM, then SIGKILL after 5 s). */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }

  private spawn(): ChildProcess {
    const o = this.options;
    const args = ['serve', '--no-open', '--port', String(this.port)];
    if (o.dataDir) args.push('--data-dir', o.dataDir);
    // The token goes by environment, not argv, so it does not show in `ps`.
    const env = { ...(o.env ?? process.env), ELECTRON_RUN_AS_NODE: '1', LATHE_TOKEN: o.token };
    const child = fork(o.entry, args, { execPath: o.execPath, env, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    this.child = child;
    child.on('message', (m) => {
      if (!isReady(m)) return;
      this.port = m.port;
      this.emit('ready', { url: m.url, port: m.port });
    });
    child.once('exit', (code, signal) => {
      if (this.stopping || this.child !== child) return;
      this.emit('crash', code ?? signal);
      this.scheduleRestart();
    });
    return child;
  }

  private scheduleRestart(): void {
    const now = Date.now();
    const windowMs = this.options.crashWindowMs ?? 60_000;
    this.crashes = [...this.crashes.filter((t) => now - t < windowMs), now];
    if (this.crashes.length > (this.options.maxCrashes ?? 5)) {
      this.emit('giveup', new Error(`The Lathe core crashed ${this.crashes.length} times in ${windowMs / 1000} s; not restarting it. See the core log.`));
      return;
    }
    const backoff = this.options.backoffMs ?? [100, 500, 2000, 5000];
    const delay = backoffDelay(backoff, this.crashes.length);
    this.restartTimer = setTimeout(() => {
      this.emit('restart');
      this.spawn();
    }, delay);
  }
}

function isReady(m: unknown): m is { type: 'lathe:ready'; url: string; port: number } {
  return typeof m === 'object' && m !== null && (m as { type?: unknown }).type === 'lathe:ready';
}
