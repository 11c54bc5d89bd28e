import { z } from 'zod';
import type { Event } from './event';
import { defineChannel, type CallContext } from './rpc';

/** One running (or exited) terminal. */
export interface TerminalInfo {
  id: string;
  title: string;
  shell: string;
  cwd: string;
  pid: number;
  cols: number;
  rows: number;
  /** Set once the shell has exited. */
  exit?: { code: number; signal?: number };
}

const TerminalId = z.string().regex(/^t\d+$/, 'a terminal id like "t1"');
const Size = z.number().int().min(2).max(1000);

/** Options for a new terminal. `env` is the hook other services use, e.g. to start one with a conda env activated. */
export const CreateTerminalSchema = z
  .object({
    cwd: z.string().min(1).optional(),
    cols: Size.default(80),
    rows: Size.default(24),
    shell: z.string().min(1).optional(),
    args: z.array(z.string()).max(64).optional(),
    env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name'), z.string()).optional(),
    title: z.string().max(200).optional(),
  })
  .strict();
/** Options for a new terminal. */
export type CreateTerminalOptions = z.input<typeof CreateTerminalSchema>;

/** What a terminal's output stream carries: data (the first event of a subscription replays the scrollback), or its exit. */
export type TerminalOutput = { data: string; replay?: boolean } | { exit: { code: number; signal?: number } };

/**
 * Flow control, as VS Code does it: the client acks characters it has rendered; the pty is paused while
 * any attached client has more than HIGH unacked characters and resumes below LOW.
 */
export const TerminalFlow = { HighWatermarkChars: 4_000_000, LowWatermarkChars: 2_000_000, AckChunkChars: 100_000 } as const;

/** Defaults for the new-terminal chooser. */
export interface TerminalDefaults {
  shell: string;
  cwd: string;
}

/** Terminals backed by real ptys in the core. They survive page reloads; a client reattaches by subscribing again. */
export interface ITerminalService {
  /** Lists the core's terminals. */
  list(): Promise<TerminalInfo[]>;
  /** The shell and directory a new terminal gets unless told otherwise. */
  defaults(): Promise<TerminalDefaults>;
  /** Starts a terminal; fails with a clear error for a missing directory or shell. */
  create(options: CreateTerminalOptions, ctx?: CallContext): Promise<TerminalInfo>;
  /** Types into a terminal. */
  write(id: string, data: string): Promise<void>;
  /** Resizes a terminal. */
  resize(id: string, cols: number, rows: number): Promise<void>;
  /** Acknowledges that the calling client rendered `chars` more characters (flow control). */
  ack(id: string, chars: number, ctx?: CallContext): Promise<void>;
  /** Kills a terminal's process and forgets it. */
  kill(id: string): Promise<void>;
  /** Streams a terminal's output, starting with a replay of its scrollback. */
  onDidOutput(arg: { id: string }, ctx?: CallContext): Event<TerminalOutput>;
  /** Fires with the full list whenever a terminal is created, exits or is removed. */
  readonly onDidChangeTerminals: Event<TerminalInfo[]>;
}

/** The terminal channel's allowlist. */
export const TerminalChannel = defineChannel<ITerminalService>({
  name: 'terminal',
  methods: {
    list: [],
    defaults: [],
    create: [CreateTerminalSchema],
    write: [TerminalId, z.string().max(1024 * 1024)],
    resize: [TerminalId, Size, Size],
    ack: [TerminalId, z.number().int().nonnegative()],
    kill: [TerminalId],
  },
  events: { onDidOutput: z.object({ id: TerminalId }).strict(), onDidChangeTerminals: null },
});
