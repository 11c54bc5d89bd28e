import { spawn } from 'node-pty';
import { accessSync, constants, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, delimiter, isAbsolute, join, resolve } from 'node:path';
import { withoutCoreSecrets } from '../../base/node/coreEnv';
import { Emitter, type Event } from '../../common/event';
import { AppError, ErrorCode } from '../../common/errors';
import { CreateTerminalSchema, type CreateTerminalOptions, type ITerminalService, type TerminalDefaults, type TerminalInfo, type TerminalOutput } from '../../common/terminal';
import type { CallContext } from '../../common/rpc';
import type { Logger } from '../../base/node/logger';
import { PtyTerminal } from './ptyTerminal';

/** Configuration of the terminal service. */
export interface TerminalServiceConfig {
  /** Characters of scrollback each terminal keeps for replay after a reload (default 2,000,000). */
  maxScrollbackChars?: number;
  /** Environment variables the core must not hand to shells (its own token, Electron's flags). */
  hiddenEnv?: readonly string[];
  env?: NodeJS.ProcessEnv;
}

const DEFAULT_HIDDEN_ENV = ['ELECTRON_RUN_AS_NODE', 'ELECTRON_NO_ATTACH_CONSOLE'];

/** Terminals on real ptys (node-pty). Owns every pty it starts and kills them on dispose. */
export class TerminalService implements ITerminalService {
  private readonly terminals = new Map<string, PtyTerminal>();
  private nextId = 1;
  private readonly _onDidChangeTerminals = new Emitter<TerminalInfo[]>();
  readonly onDidChangeTerminals = this._onDidChangeTerminals.event;

  constructor(
    private readonly config: TerminalServiceConfig,
    private readonly log: Logger,
  ) {}

  async list(): Promise<TerminalInfo[]> {
    return [...this.terminals.values()].map((t) => t.describe());
  }

  async defaults(): Promise<TerminalDefaults> {
    return { shell: this.defaultShell(), cwd: homedir() };
  }

  async create(options: CreateTerminalOptions): Promise<TerminalInfo> {
    const o = CreateTerminalSchema.parse(options);
    const env = this.config.env ?? process.env;
    const cwd = resolve(o.cwd ?? homedir());
    let st;
    try {
      st = statSync(cwd);
    } catch {
      throw new AppError(ErrorCode.InvalidArgument, `The working directory ${cwd} does not exist. Choose an existing folder.`);
    }
    if (!st.isDirectory()) throw new AppError(ErrorCode.InvalidArgument, `The working directory ${cwd} is not a folder. Choose a folder.`);
    const shell = this.findShell(o.shell ?? this.defaultShell());
    const childEnv: Record<string, string> = {};
    Object.assign(childEnv, withoutCoreSecrets({ ...env, ...o.env }));
    for (const k of [...DEFAULT_HIDDEN_ENV, ...(this.config.hiddenEnv ?? [])]) delete childEnv[k];
    Object.assign(childEnv, { TERM: 'xterm-256color', COLORTERM: 'truecolor', TERM_PROGRAM: 'lathe' });
    const id = `t${this.nextId++}`;
    const pty = spawn(shell, o.args ?? [], { name: 'xterm-256color', cols: o.cols, rows: o.rows, cwd, env: childEnv });
    const term = new PtyTerminal({ id, title: o.title ?? basename(shell), shell, cwd, pid: pty.pid, cols: o.cols, rows: o.rows }, pty, this.config.maxScrollbackChars ?? 2_000_000, () => {
      this.log.info('terminal exited', { id });
      this.fireChange();
    });
    this.terminals.set(id, term);
    this.log.info('terminal started', { id, shell, cwd, pid: pty.pid });
    this.fireChange();
    return term.describe();
  }

  async write(id: string, data: string): Promise<void> {
    this.get(id).write(data);
  }

  async resize(id: string, cols: number, rows: number): Promise<void> {
    this.get(id).resize(cols, rows);
  }

  async ack(id: string, chars: number, ctx?: CallContext): Promise<void> {
    if (ctx?.clientId) this.terminals.get(id)?.ack(ctx.clientId, chars);
  }

  async kill(id: string): Promise<void> {
    const t = this.get(id);
    this.terminals.delete(id);
    this.fireChange();
    await t.terminate();
  }

  onDidOutput(arg: { id: string }, ctx?: CallContext): Event<TerminalOutput> {
    return this.get(arg.id).subscribe(ctx?.clientId);
  }

  /** Whether a terminal is paused by flow control (for tests and diagnostics). */
  isPaused(id: string): boolean {
    return this.get(id).isPaused;
  }

  /** Ends every shell (SIGHUP, then SIGKILL after a grace period) and waits until they are gone. */
  async shutdown(): Promise<void> {
    const all = [...this.terminals.values()];
    this.terminals.clear();
    await Promise.all(all.map((t) => t.terminate()));
    this._onDidChangeTerminals.dispose();
  }

  /** Starts ending every shell without waiting; the owner that can wait should call `shutdown`. */
  dispose(): void {
    void this.shutdown();
  }

  private get(id: string): PtyTerminal {
    const t = this.terminals.get(id);
    if (!t) throw new AppError(ErrorCode.NotFound, `No terminal "${id}". It may have been closed; list terminals to see the open ones.`);
    return t;
  }

  private fireChange(): void {
    this._onDidChangeTerminals.fire([...this.terminals.values()].map((t) => t.describe()));
  }

  private defaultShell(): string {
    const env = this.config.env ?? process.env;
    if (process.platform === 'win32') return env.COMSPEC ?? 'powershell.exe';
    return env.SHELL || '/bin/bash';
  }

  /** Resolves a shell name or path to an executable, or fails naming what was looked for. */
  private findShell(shell: string): string {
    const env = this.config.env ?? process.env;
    const candidates = isAbsolute(shell) ? [shell] : (env.PATH ?? '').split(delimiter).filter(Boolean).map((d) => join(d, shell));
    for (const c of candidates) {
      try {
        accessSync(c, constants.X_OK);
        if (statSync(c).isFile()) return c;
      } catch {
        // Try the next one.
      }
    }
    throw new AppError(ErrorCode.InvalidArgument, `The shell "${shell}" was not found or is not executable. Set $SHELL or pass an installed shell such as /bin/bash.`);
  }
}
