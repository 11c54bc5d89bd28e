import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { Emitter, type IDisposable } from '../main/common/event';
import { withoutCoreSecrets } from '../main/base/node/coreEnv';
import { backoffDelay } from '../main/common/backoff';
import { isOwnProcessAlive, pidState, signalGroup } from '../main/base/node/processes';
import { AppError } from '../main/common/errors';
import { generateSecret } from './secret';
import type { JupyterCommand } from './findJupyter';
import { NODELAY_CONFIG, NODELAY_MARKER } from './nodelayConfig';

/** Where the supervised server stands. */
export type JupyterServerState =
  | { state: 'stopped' }
  | { state: 'starting' }
  | { state: 'running'; url: string; nodelay: boolean }
  | { state: 'restarting'; reason: string; attempt: number }
  | { state: 'failed'; reason: string };

/** How to supervise a local Jupyter server. */
export interface JupyterServerOptions {
  command: JupyterCommand;
  /** Resolves the command when the server first starts (finding Python can take a moment); overrides `command`. */
  commandProvider?: () => Promise<JupyterCommand>;
  /** Lathe's folder for the server's config and runtime files. */
  runtimeDir: string;
  /** The folder notebooks are served from. */
  rootDir: string;
  /** Lines the server prints (token already redacted), for the core log. */
  log?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
  startTimeoutMs?: number;
  /** Restart delays; the last one repeats. */
  backoffMs?: number[];
  /** Extra folders for JUPYTER_PATH (Lathe's own kernelspecs live there). */
  jupyterPath?: string[];
  /** Stop restarting after this many failures in a row. */
  maxRestarts?: number;
  /** Serve under a path prefix (e.g. "/user/alice/", as behind JupyterHub's proxy); default "/". */
  baseUrl?: string;
  /** More `--Class.option=value` arguments for jupyter_server (e.g. a user's own limits). */
  extraArgs?: string[];
  /** Where the running server is remembered, so the next core adopts it (and its kernels) if this one crashes. */
  memory?: ServerMemory;
}

/** A running server as remembered between cores. */
export interface RememberedServer {
  url: string;
  token: string;
  pid: number;
  rootDir: string;
}

/** Persistence for the supervisor's running server (the token belongs in a secret store). */
export interface ServerMemory {
  load(): RememberedServer | undefined;
  save(s: RememberedServer | undefined): void;
}

/** Connection details of a running server. */
export interface JupyterServerInfo {
  url: string;
  token: string;
}

/**
 * Starts and supervises a local jupyter_server on 127.0.0.1: a free port, a random token (passed by
 * environment, never argv), TCP_NODELAY on kernel sockets. Waits until it answers, restarts it with
 * backoff when it dies (saying so through onDidChangeState), and stops it with its kernels on dispose.
 */
export class JupyterServerSupervisor implements IDisposable {
  private child: ChildProcess | undefined;
  private token = generateSecret();
  /** The pid of a server a previous core started and this one adopted (no ChildProcess to wait on). */
  private adoptedPid: number | undefined;
  private liveness: NodeJS.Timeout | undefined;
  private port = 0;
  private _state: JupyterServerState = { state: 'stopped' };
  private readonly _onDidChangeState = new Emitter<JupyterServerState>();
  /** Fires on every state change. */
  readonly onDidChangeState = this._onDidChangeState.event;
  private stopping = false;
  private failures = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private recent: string[] = [];
  private nodelay = false;

  constructor(private readonly options: JupyterServerOptions) {}

  /** The current state. */
  get state(): JupyterServerState {
    return this._state;
  }

  /** The server process's pid while one runs (diagnostics, tests). */
  get pid(): number | undefined {
    return this.child?.pid ?? this.adoptedPid;
  }

  /** Whether the running server was adopted from a previous core rather than started by this one. */
  get adopted(): boolean {
    return this.adoptedPid !== undefined;
  }

  /** The running server's URL and token; fails if it is not running. */
  get info(): JupyterServerInfo {
    if (this._state.state !== 'running') throw new AppError('JUPYTER_NOT_RUNNING', `The Jupyter server is ${this._state.state}.`);
    return { url: this._state.url, token: this.token };
  }

  /** Starts the server and resolves once it answers. */
  async start(): Promise<JupyterServerInfo> {
    this.stopping = false;
    if (await this.tryAdopt()) return this.info;
    if (!this.port) this.port = await freePort();
    this.setState({ state: 'starting' });
    try {
      await this.launch();
    } catch (err) {
      this.setState({ state: 'failed', reason: (err as Error).message });
      throw err;
    }
    return this.info;
  }

  /** Stops the server (SIGTERM, so it shuts its kernels down; SIGKILL to the group after 5 s). */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    clearInterval(this.liveness);
    const adopted = this.adoptedPid;
    this.adoptedPid = undefined;
    if (adopted !== undefined) {
      signalGroup(adopted, 'SIGTERM');
      const end = Date.now() + 5000;
      while (pidState(adopted) !== 'gone' && Date.now() < end) await sleep(50);
      if (pidState(adopted) !== 'gone') signalGroup(adopted, 'SIGKILL');
    }
    this.remember(undefined);
    const child = this.child;
    this.child = undefined;
    if (child && child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((resolve) => {
        const kill = setTimeout(() => killGroup(child, 'SIGKILL'), 5000);
        child.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        killGroup(child, 'SIGTERM');
      });
    }
    this.setState({ state: 'stopped' });
  }

  dispose(): void {
    void this.stop().then(() => this._onDidChangeState.dispose());
  }

  /**
   * Takes over the server a previous core left running (it crashed or was killed): same root folder, process
   * alive, and it still takes the remembered token. Its kernels then survive the core's restart.
   */
  private async tryAdopt(): Promise<boolean> {
    const memory = this.options.memory;
    let prev: RememberedServer | undefined;
    try {
      prev = memory?.load();
    } catch {
      prev = undefined;
    }
    if (!memory || !prev) return false;
    const forget = () => (this.remember(undefined), false);
    if (prev.rootDir !== this.options.rootDir || !isOwnProcessAlive(prev.pid)) return forget();
    try {
      const r = await fetch(new URL('api/status', prev.url), { headers: { authorization: `token ${prev.token}` }, signal: AbortSignal.timeout(3000) });
      if (!r.ok) return forget();
    } catch {
      return forget();
    }
    this.token = prev.token;
    this.port = Number(new URL(prev.url).port);
    this.adoptedPid = prev.pid;
    const pid = prev.pid;
    this.liveness = setInterval(() => {
      if (isOwnProcessAlive(pid)) return;
      clearInterval(this.liveness);
      if (this.adoptedPid !== pid) return;
      this.adoptedPid = undefined;
      this.recent = ['(the adopted server exited; its output went to the core that started it)'];
      if (!this.stopping && this._state.state === 'running') void this.onCrash();
    }, 1000);
    this.liveness.unref();
    // It was started by a core with Lathe's config file, which turns TCP_NODELAY on for kernel sockets.
    this.setState({ state: 'running', url: prev.url, nodelay: true });
    return true;
  }

  /** Remembering is a convenience: a store that fails (e.g. a wrong secret store key) must not stop the server. */
  private remember(m: RememberedServer | undefined): void {
    try {
      this.options.memory?.save(m);
    } catch (err) {
      this.options.log?.(`could not remember the server for the next core: ${(err as Error).message}`);
    }
  }

  private setState(s: JupyterServerState): void {
    this._state = s;
    this._onDidChangeState.fire(s);
  }

  private async launch(): Promise<void> {
    const o = { ...this.options, command: this.options.commandProvider ? await this.options.commandProvider() : this.options.command };
    mkdirSync(o.runtimeDir, { recursive: true, mode: 0o700 });
    const config = join(o.runtimeDir, 'lathe_jupyter_server_config.py');
    writeFileSync(config, NODELAY_CONFIG, { mode: 0o600 });
    const args = [
      ...o.command.argv.slice(1),
      `--config=${config}`,
      '--ServerApp.ip=127.0.0.1',
      `--ServerApp.port=${this.port}`,
      '--ServerApp.port_retries=0',
      '--ServerApp.open_browser=False',
      `--ServerApp.root_dir=${o.rootDir}`,
      '--ServerApp.shutdown_no_activity_timeout=0',
      ...(o.baseUrl ? [`--ServerApp.base_url=${o.baseUrl}`] : []),
      ...(o.extraArgs ?? []),
      ...(process.getuid?.() === 0 ? ['--allow-root'] : []),
    ];
    const base = o.env ?? process.env;
    const jupyterPath = [...(o.jupyterPath ?? []), ...(base.JUPYTER_PATH ? [base.JUPYTER_PATH] : [])].join(delimiter);
    const env = { ...withoutCoreSecrets(base), JUPYTER_TOKEN: this.token, JUPYTER_RUNTIME_DIR: join(o.runtimeDir, 'runtime'), PYTHONUNBUFFERED: '1', ...(jupyterPath ? { JUPYTER_PATH: jupyterPath } : {}) };
    this.recent = [];
    this.nodelay = false;
    // Its own process group, so a hard stop also takes the kernels it started.
    const child = spawn(o.command.argv[0]!, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    this.child = child;
    const onLine = (chunk: Buffer) => {
      for (const raw of chunk.toString().split('\n')) {
        if (!raw.trim()) continue;
        const line = raw.split(this.token).join('[redacted]');
        if (line.includes(NODELAY_MARKER)) this.nodelay = true;
        this.recent = [...this.recent.slice(-30), line];
        o.log?.(line);
      }
    };
    child.stdout!.on('data', onLine);
    child.stderr!.on('data', onLine);
    const exited = new Promise<string>((resolve) => {
      child.once('error', (err) => resolve(`could not start ${o.command.argv[0]}: ${err.message}`));
      child.once('exit', (code, signal) => resolve(`exited with ${signal ?? `code ${code}`}`));
    });
    child.once('exit', () => {
      if (this.child === child && !this.stopping && this._state.state === 'running') void this.onCrash();
    });
    const url = `http://127.0.0.1:${this.port}${this.options.baseUrl ?? '/'}`;
    const ready = this.waitUntilAnswering(url);
    const result = await Promise.race([ready.then(() => 'ready'), exited, sleep(o.startTimeoutMs ?? 60_000).then(() => 'timeout')]);
    if (result !== 'ready') {
      killGroup(child, 'SIGKILL');
      throw new AppError(
        'JUPYTER_START_FAILED',
        `The Jupyter server (${o.command.source}) ${result === 'timeout' ? 'did not answer in time' : result}. Its last lines:\n${this.recent.slice(-10).join('\n')}`,
      );
    }
    this.failures = 0;
    if (child.pid) this.remember({ url, token: this.token, pid: child.pid, rootDir: o.rootDir });
    this.setState({ state: 'running', url, nodelay: this.nodelay });
  }

  private async waitUntilAnswering(url: string): Promise<void> {
    for (;;) {
      if (this.stopping) throw new AppError('JUPYTER_STOPPED', 'The Jupyter server was stopped while starting.');
      try {
        const r = await fetch(new URL('api/status', url), { headers: { authorization: `token ${this.token}` } });
        if (r.ok) return;
      } catch {
        // Not listening yet.
      }
      await sleep(100);
    }
  }

  private async onCrash(): Promise<void> {
    const reason = `The Jupyter server stopped unexpectedly. Its last lines:\n${this.recent.slice(-5).join('\n')}`;
    const max = this.options.maxRestarts ?? 5;
    while (!this.stopping) {
      this.failures++;
      if (this.failures > max) {
        this.setState({ state: 'failed', reason: `${reason}\nGave up after ${max} restarts.` });
        return;
      }
      this.setState({ state: 'restarting', reason, attempt: this.failures });
      const backoff = this.options.backoffMs ?? [500, 2000, 5000, 15000];
      await new Promise<void>((r) => (this.restartTimer = setTimeout(r, backoffDelay(backoff, this.failures))));
      if (this.stopping) return;
      try {
        await this.launch();
        return;
      } catch {
        // Counted; try again after the next delay.
      }
    }
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid) process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // Gone.
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
