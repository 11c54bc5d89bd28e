import { z } from 'zod';
import type { Event } from './event';
import { defineChannel, type CallContext } from './rpc';

/** The local Jupyter server's state, as the UI shows it. */
export type JupyterServerStatus =
  | { state: 'stopped' | 'starting' }
  | { state: 'running'; url: string; nodelay: boolean }
  | { state: 'restarting'; reason: string; attempt: number }
  | { state: 'failed'; reason: string };

/** A kernel type a server offers. */
export interface KernelSpecInfo {
  name: string;
  displayName: string;
  language: string;
  /** Which server offers it ("local" for the supervised one, else a remote server's id). */
  server: string;
  /** The server's name as the user sees it ("This machine" for the local one). */
  serverName: string;
}

/** A Jupyter server the user added by URL and token (a team server, a GPU box, a JupyterHub user server). */
export interface RemoteServerInfo {
  id: string;
  name: string;
  /** The base URL (no token: that lives in the encrypted secret store). */
  url: string;
  addedAt: string;
  /** From the last probe: "unreachable" and "rejected" say why in `detail`. */
  state: 'unknown' | 'connected' | 'unreachable' | 'rejected';
  detail?: string;
  /** jupyter_server's version. */
  version?: string;
}

/** What adding a remote server takes: a URL (any page of the server, `?token=` included) and a token if not in it. */
export const AddServerSchema = z
  .object({
    url: z.string().min(1).max(2048),
    token: z.string().max(4096).optional(),
    name: z.string().max(100).optional(),
  })
  .strict();
/** Arguments of addServer. */
export type AddServerOptions = z.infer<typeof AddServerSchema>;

/** A kernel's execution state (Jupyter's, plus the connection's). */
export type KernelStatus = 'unknown' | 'starting' | 'idle' | 'busy' | 'terminating' | 'restarting' | 'autorestarting' | 'dead' | 'disconnected';

/** A running kernel. */
export interface KernelInfo {
  id: string;
  spec: string;
  server: string;
  status: KernelStatus;
  /** The notebook the kernel belongs to, so a reloaded page can reattach to it. */
  path?: string;
}

/** One nbformat 4 output (plain JSON, as in an .ipynb). */
export type NotebookOutput =
  | { output_type: 'stream'; name: 'stdout' | 'stderr'; text: string }
  | { output_type: 'display_data'; data: Record<string, unknown>; metadata: Record<string, unknown>; transient?: { display_id?: string } }
  | { output_type: 'execute_result'; execution_count: number | null; data: Record<string, unknown>; metadata: Record<string, unknown> }
  | { output_type: 'error'; ename: string; evalue: string; traceback: string[] };

/** What a kernel's event stream carries; `execId` ties an event to the execute call that caused it. */
export type KernelEvent =
  | { type: 'status'; status: KernelStatus }
  | { type: 'executeInput'; execId: string; executionCount: number }
  | { type: 'output'; execId: string; output: NotebookOutput }
  | { type: 'clearOutput'; execId: string; wait: boolean }
  | { type: 'updateDisplay'; execId: string; displayId: string; output: NotebookOutput }
  | { type: 'inputRequest'; execId: string; prompt: string; password: boolean };

/** One global variable of a kernel, as the variables view shows it. */
export interface VariableInfo {
  name: string;
  type: string;
  /** Shape for arrays and data frames, length for sized containers. */
  shape?: string;
  /** A short repr, cut to 200 characters. */
  summary: string;
}

/** `transient` is a message field, not part of nbformat: an output saved to a file must not carry it. */
export function stripTransient(o: NotebookOutput): NotebookOutput {
  if (o.output_type !== 'display_data' || !o.transient) return o;
  const { transient: _t, ...rest } = o;
  return rest as NotebookOutput;
}

/** Code to run. `execId` is chosen by the caller so it can match events that arrive before the call returns. */
export const ExecuteRequestSchema = z
  .object({
    execId: z.string().min(1).max(100),
    code: z.string().max(50 * 1024 * 1024),
    silent: z.boolean().optional(),
    storeHistory: z.boolean().optional(),
    allowStdin: z.boolean().optional(),
    stopOnError: z.boolean().optional(),
  })
  .strict();
/** Code to run in a kernel. */
export type ExecuteRequest = z.infer<typeof ExecuteRequestSchema>;

/** How an execution ended. */
export interface ExecuteResult {
  status: 'ok' | 'error' | 'aborted';
  executionCount: number | null;
  ename?: string;
  evalue?: string;
}

const KernelId = z.string().regex(/^[0-9a-f-]{36}$/, 'a kernel id (UUID)');

/** Jupyter kernels, run by the core on its supervised server. Kernels outlive the page: the core holds them. */
export interface IKernelService {
  /** The local Jupyter server's state (it starts on first use). */
  server(): Promise<JupyterServerStatus>;
  /** Fires when the local server starts, dies, restarts or fails. */
  readonly onDidChangeServer: Event<JupyterServerStatus>;
  /** The kernel types on offer. */
  specs(): Promise<KernelSpecInfo[]>;
  /** The running kernels. */
  list(): Promise<KernelInfo[]>;
  /**
   * Starts a kernel of the given spec (default python3), optionally for a notebook path, on `server` (default: the
   * server this notebook last used, else the local one).
   */
  start(options: { spec?: string; path?: string; server?: string }): Promise<KernelInfo>;
  /** The remote Jupyter servers the user added, with their last known state. */
  remoteServers(): Promise<RemoteServerInfo[]>;
  /** Adds (or updates the token of) a remote server after checking it answers and accepts the token. */
  addServer(options: AddServerOptions): Promise<RemoteServerInfo>;
  /** Forgets a remote server and its token; kernels running there are left running. */
  removeServer(id: string): Promise<void>;
  /** Fires when a remote server is added, removed, lost or back. */
  readonly onDidChangeRemoteServers: Event<RemoteServerInfo[]>;
  /** Runs code; outputs stream on onDidKernelEvent. Cancelling the call interrupts the kernel. */
  execute(kernelId: string, request: ExecuteRequest, ctx?: CallContext): Promise<ExecuteResult>;
  /** The kernel's user-defined globals (names, types, shapes), read silently: no output, no execution count. */
  variables(kernelId: string): Promise<VariableInfo[]>;
  /** Answers a pending `input()` prompt. */
  inputReply(kernelId: string, value: string): Promise<void>;
  /** Interrupts the running execution (SIGINT to the kernel). */
  interrupt(kernelId: string): Promise<void>;
  /** Restarts the kernel, clearing its state. */
  restart(kernelId: string): Promise<void>;
  /** Shuts a kernel down. */
  shutdown(kernelId: string): Promise<void>;
  /**
   * A kernel's status and outputs. A new subscriber first gets the kernel's recent events again (bounded),
   * so a page that reattaches after a reload sees the outputs that arrived while it was gone.
   */
  onDidKernelEvent(arg: { kernelId: string }, ctx?: CallContext): Event<KernelEvent>;
}

/** The kernels channel's allowlist. */
export const KernelChannel = defineChannel<IKernelService>({
  name: 'kernels',
  methods: {
    server: [],
    specs: [],
    list: [],
    start: [z.object({ spec: z.string().min(1).max(200).optional(), path: z.string().min(1).max(4096).optional(), server: z.string().min(1).max(100).optional() }).strict()],
    remoteServers: [],
    addServer: [AddServerSchema],
    removeServer: [z.string().min(1).max(100)],
    execute: [KernelId, ExecuteRequestSchema],
    inputReply: [KernelId, z.string().max(1024 * 1024)],
    variables: [KernelId],
    interrupt: [KernelId],
    restart: [KernelId],
    shutdown: [KernelId],
  },
  events: { onDidChangeServer: null, onDidChangeRemoteServers: null, onDidKernelEvent: z.object({ kernelId: KernelId }).strict() },
});
