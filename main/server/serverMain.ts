import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, rmdirSync } from 'node:fs';
import { homedir } from 'node:os';
import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';
import { AppError } from '../common/errors';
import { RpcServer } from '../common/rpcServer';
import { SettingsChannel } from '../common/settings';
import { StatusChannel, type ServiceState } from '../common/status';
import { KernelChannel } from '../common/kernels';
import { SecretChannel } from '../common/secrets';
import { SecretService } from '../node/secrets/secretService';
import { SecretStore, loadStoreKey } from '../node/secrets/secretStore';
import { NotebookFileChannel } from '../common/notebooks';
import { FileChannel } from '../common/files';
import { FileService } from '../node/files/fileService';
import { notebookPython } from '../../kernels/notebookPython';
import { NotebookFileService } from '../../kernels/notebookFileService';
import { TerminalChannel } from '../common/terminal';
import { findJupyterServer } from '../../kernels/findJupyter';
import { JupyterServerSupervisor } from '../../kernels/jupyterServer';
import { KernelService } from '../../kernels/kernelService';
import { RemoteServers } from '../../kernels/remoteServers';
import { KernelStore } from '../../kernels/kernelStore';
import { latheJupyterPath } from '../../kernels/kernelspecs';
import { Logger, type LogLevel } from '../base/node/logger';
import { ensurePrivateDir, resolveDataDir } from '../base/node/paths';
import { SettingsService } from '../node/settings/settingsService';
import { StatusService } from '../node/status/statusService';
import { openDatabase } from '../base/node/database';
import { MetaStore } from '../base/node/metaStore';
import { schema } from './schema';
import { TerminalService } from '../node/terminal/terminalService';
import { wireEnvService } from '../node/envs/envWiring';
import { ENV_REGISTRY_PATH } from '../node/envs/httpRegistry';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { EnvChannel } from '../common/envs';
import { JobChannel } from '../common/jobs';
import { wireJobService } from '../node/jobs/jobWiring';
import { generateToken, isLoopback } from './auth';
import { HttpFront } from './httpServer';
import { prepareLocalSocket } from './localSocket';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The Lathe version, from package.json (same relative place in the sources and in dist/core). */
export const VERSION: string = (JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** How to start a core. */
export interface CoreOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Defaults to a fresh random token. */
  token?: string;
  dataDir?: string;
  staticDir?: string;
  logLevel?: LogLevel;
  /** Console sink for log lines; null silences the console (the log file is always written). */
  logConsole?: ((line: string) => void) | null;
  /** Also listen on the local socket for the CLI (default true). */
  localSocket?: boolean;
  /** Extra allowed browser origins (e.g. a dev server). */
  extraOrigins?: string[];
  /** The folder notebooks and kernels work in (default: the home folder). */
  workspace?: string;
  /** A Python with jupyter_server to use instead of searching for one. */
  jupyterPython?: string;
  /** How often remote Jupyter servers are probed (default 15 s). */
  remoteProbeMs?: number;
  /** The environment the core treats as the user's for finding conda and running its tools (default process.env). */
  userEnv?: NodeJS.ProcessEnv;
  /** The user's home folder for conda discovery (default the OS's). */
  home?: string;
}

/** A running core. */
export interface RunningCore {
  /** Base URL without the token. */
  url: string;
  /** URL to open in a browser; carries the token once, which the server trades for a cookie. */
  openUrl: string;
  token: string;
  port: number;
  dataDir: string;
  socketPath?: string;
  log: Logger;
  /** Stops listening and disposes every pty, socket and handle the core owns. */
  dispose(): Promise<void>;
}

/** The composition root: builds every service with its dependencies and serves them. */
export async function startCore(options: CoreOptions = {}): Promise<RunningCore> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? generateToken();
  if (token.length < 16) throw new AppError('TOKEN_TOO_SHORT', 'The token must be at least 16 characters. Omit --token to get a random one.');
  const dataDir = resolveDataDir(options.dataDir);
  checkDataDir(dataDir);
  const log = new Logger({ level: options.logLevel ?? 'info', file: resolve(dataDir, 'logs', 'core.log'), console: options.logConsole });
  log.addSecret(token);
  if (!isLoopback(host)) {
    log.warn(`SECURITY: Lathe is listening on ${host}, reachable from other machines. Anyone with the token controls terminals on this machine. Prefer an SSH tunnel to a 127.0.0.1 bind.`);
  }

  const socketPath = options.localSocket === false ? undefined : await prepareLocalSocket(dataDir);
  const db = openDatabase(dataDir, schema);
  const meta = new MetaStore(db);
  const disposables: { dispose(): unknown }[] = [];
  try {
    const settings = new SettingsService({ dataDir }, log.child('settings'));
    // The store key and the token are taken now and removed from this process's environment, so no tool the core
    // runs (conda, git, ssh, zstd…) inherits them; the key is read from this copy when first needed.
    const baseEnv = options.userEnv ?? process.env;
    const keyEnv = { LATHE_STORE_KEY: baseEnv.LATHE_STORE_KEY, LATHE_STORE_KEY_SOURCE: baseEnv.LATHE_STORE_KEY_SOURCE, LATHE_STORE_KEY_FILE: baseEnv.LATHE_STORE_KEY_FILE };
    if (!options.userEnv) for (const k of ['LATHE_TOKEN', 'LATHE_STORE_KEY', 'LATHE_STORE_KEY_SOURCE']) delete process.env[k];
    const secretStore = new SecretStore(db, () => loadStoreKey(dataDir, keyEnv), (v) => log.addSecret(v));
    const secrets = new SecretService(secretStore);
    disposables.push(secrets);
    const terminals = new TerminalService({}, log.child('terminal'));
    disposables.push(settings, terminals);
    const workspace = resolve(options.workspace ?? homedir());
    // The Jupyter server is found and started on first use, so a core without Jupyter still starts fast.
    const jupyterLog = log.child('jupyter');
    let jupyterCommand: ReturnType<typeof findJupyterServer> | undefined;
    const supervisor = new JupyterServerSupervisor({
      command: { argv: [], source: 'pending' },
      commandProvider: () => (jupyterCommand ??= findJupyterServer({ python: options.jupyterPython })),
      runtimeDir: resolve(dataDir, 'jupyter'),
      jupyterPath: [latheJupyterPath(dataDir)],
      rootDir: workspace,
      log: (line) => jupyterLog.debug(line),
      // Remembered so that after a crash the next core adopts the server and its kernels (token in the secret store).
      memory: {
        load: () => {
          const server = meta.get<{ url: string; pid: number; rootDir: string }>('jupyter.local');
          const token = server && secretStore.get('jupyter', 'local');
          return server && token ? { ...server, token } : undefined;
        },
        save: (m) => {
          if (!m) {
            meta.delete('jupyter.local');
            secretStore.delete('jupyter', 'local');
            return;
          }
          secretStore.set('jupyter', 'local', m.token);
          meta.set('jupyter.local', { url: m.url, pid: m.pid, rootDir: m.rootDir });
        },
      },
    });
    const kernelStore = new KernelStore(db);
    const remotes = new RemoteServers(kernelStore, { get: (id) => secretStore.get('jupyter', id), set: (id, t) => secretStore.set('jupyter', id, t), delete: (id) => secretStore.delete('jupyter', id) }, { probeMs: options.remoteProbeMs });
    disposables.push(remotes);
    const kernels = new KernelService(supervisor, jupyterLog, { remotes, store: kernelStore });
    const envs = wireEnvService(
      { dataDir, scan: { env: options.userEnv ?? process.env, home: options.home ?? homedir(), platform: process.platform, isRoot: process.getuid?.() === 0 }, secret: (name) => secrets.reveal(name) },
      db,
      settings,
      log.child('envs'),
    );
    disposables.push(envs);
    const jobs = wireJobService(
      { dataDir, shimScript: resolve(ROOT, 'dist', 'core', 'jobShim.mjs'), coreScript: resolve(ROOT, 'dist', 'core', 'lathe.mjs'), pythonPath: resolve(ROOT, 'resources', 'python'), env: options.userEnv ?? process.env, secrets,
        workspace,
        // The notebooks' Python, so a script that works in a notebook works as a job.
        defaultPython: async () => notebookPython(await (jupyterCommand ??= findJupyterServer({ python: options.jupyterPython })), options.userEnv ?? process.env),
      },
      db,
      envs,
      log.child('jobs'),
    );
    disposables.push(jobs);
    const rpc = new RpcServer({ onBug: (err, where) => log.error(`bug in ${where}`, { err }) });
    const services = (): ServiceState[] =>
      rpc.channelNames.map((name) => {
        if (name !== KernelChannel.name) return { name, state: 'ready' };
        const s = supervisor.state;
        return s.state === 'failed' ? { name, state: 'unavailable', detail: s.reason } : { name, state: 'ready', detail: `Jupyter server ${s.state}` };
      });
    // The Python notebooks and script jobs share, with its version, for the status bar (asked once, when first shown).
    let python: Promise<{ path: string; version?: string } | undefined> | undefined;
    const pythonInfo = () =>
      (python ??= (async () => {
        const path = notebookPython(await (jupyterCommand ??= findJupyterServer({ python: options.jupyterPython })), options.userEnv ?? process.env);
        if (!path) return undefined;
        const version = await promisify(execFile)(path, ['-c', 'import sys; print(sys.version.split()[0])'], { timeout: 10_000 }).then(
          (r) => String(r.stdout).trim(),
          () => undefined,
        );
        return { path, ...(version ? { version } : {}) };
      })().catch(() => undefined));
    const status = new StatusService({ version: VERSION }, meta, services, pythonInfo);
    rpc.serveChannel(StatusChannel, status);
    rpc.serveChannel(SettingsChannel, settings);
    rpc.serveChannel(TerminalChannel, terminals);
    rpc.serveChannel(KernelChannel, kernels);
    rpc.serveChannel(NotebookFileChannel, new NotebookFileService({ root: workspace }));
    const files = new FileService({ root: workspace, trashDir: resolve(dataDir, 'trash') }, log.child('files'));
    disposables.push(files);
    rpc.serveChannel(FileChannel, files);
    rpc.serveChannel(EnvChannel, envs);
    rpc.serveChannel(JobChannel, jobs);
    rpc.serveChannel(SecretChannel, secrets);

    const routes = [{ prefix: ENV_REGISTRY_PATH, handle: (req: IncomingMessage, res: ServerResponse, sub: string) => envs.serveRegistry(req, res, sub) }];
    const front = new HttpFront({ token, bindHost: host, staticDir: options.staticDir ?? resolve(ROOT, 'dist', 'renderer'), extraOrigins: options.extraOrigins, routes }, rpc, log.child('http'));
    const tcp = front.createServer(false);
    await listen(tcp, () => tcp.listen(options.port ?? 0, host), `${host}:${options.port ?? 0}`);
    const port = (tcp.address() as { port: number }).port;
    front.port = port;
    if (socketPath) {
      const local = front.createServer(true);
      await listen(local, () => local.listen(socketPath), socketPath, true);
    }
    const hostInUrl = host.includes(':') ? `[${host}]` : host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
    const url = `http://${hostInUrl}:${port}/`;
    log.info('core started', { url, dataDir, version: VERSION, pid: process.pid });
    // Env discovery writes the env kernelspecs; start it now (it reads the disk only) so kernels are ready to pick.
    envs.list().catch((err: Error) => log.warn(`env discovery failed: ${err.message}`));
    // Kernels left running on remote servers by the last core are found again; probing says which servers answer.
    void remotes.probeAll().then(() => kernels.restoreSessions());
    // Runs that were going when the last core stopped are found again (their shims kept them alive).
    jobs.start().catch((err: Error) => log.warn(`job reattach failed: ${err.message}`));

    let disposed: Promise<void> | undefined;
    return {
      url,
      openUrl: `${url}?token=${encodeURIComponent(token)}`,
      token,
      port,
      dataDir,
      socketPath,
      log,
      dispose() {
        disposed ??= (async () => {
          rpc.dispose();
          await front.dispose();
          await Promise.all([terminals.shutdown(), kernels.shutdownAll()]);
          for (const d of disposables.reverse()) d.dispose();
          db.close();
          log.info('core stopped');
        })();
        return disposed;
      },
    };
  } catch (err) {
    for (const d of disposables.reverse()) d.dispose();
    db.close();
    throw err;
  }
}

/**
 * Makes the data dir (private, 0700) and proves it can be written, so a read-only or foreign folder is named as
 * such with the way out, before the logger, the database or the socket fail on it with a bare errno.
 */
function checkDataDir(dataDir: string): void {
  try {
    ensurePrivateDir(dataDir);
    accessSync(dataDir, constants.W_OK);
  } catch (err) {
    const code = realMkdirError(dataDir) ?? (err as NodeJS.ErrnoException).code;
    const why = code === 'EROFS' ? 'it is on a read-only file system' : code === 'EACCES' || code === 'EPERM' ? 'you have no permission to write there' : code === 'ENOSPC' ? 'the disk is full' : code === 'ENOTDIR' || code === 'EEXIST' ? 'a file is in the way (a part of the path is not a folder)' : `${code ?? (err as Error).message}`;
    throw new AppError('DATA_DIR_UNUSABLE', `Lathe cannot use ${dataDir} as its data folder: ${why}. Choose a writable folder with --data-dir DIR (or LATHE_HOME), or fix that folder's permissions.`);
  }
}

/**
 * Node's recursive mkdir reports ENOENT for every failure on the way (a read-only file system, no permission): the
 * real errno comes from making the first missing folder on its own.
 */
function realMkdirError(dir: string): string | undefined {
  let missing = dir;
  while (!existsSync(dirname(missing)) && dirname(missing) !== missing) missing = dirname(missing);
  if (existsSync(missing)) return undefined;
  try {
    mkdirSync(missing, { mode: 0o700 });
    rmdirSync(missing);
    return undefined;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code;
  }
}

function listen(server: Server, start: () => void, where: string, localSocket = false): Promise<void> {
  return new Promise((resolveListen, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      reject(
        err.code === 'EADDRINUSE' && localSocket
          ? // Another core took the data dir's socket between our check and our listen.
            new AppError('CORE_ALREADY_RUNNING', `Another Lathe core is already running on this data dir (its socket ${where} was taken just now). Stop it, connect to it with \`lathe status\`, or use another --data-dir.`)
          : err.code === 'EADDRINUSE'
            ? new AppError('PORT_IN_USE', `Cannot listen on ${where}: the port is in use. Pick another with --port, or --port 0 for any free port.`)
            : new AppError('LISTEN_FAILED', `Cannot listen on ${where}: ${err.message}.`),
      );
    };
    server.once('error', onError);
    server.once('listening', () => {
      server.off('error', onError);
      resolveListen();
    });
    start();
  });
}
