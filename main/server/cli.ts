import { spawn } from 'node:child_process';
import { parseArgs, type ParseArgsConfig } from 'node:util';

type ParseArgsOptionsConfig = NonNullable<ParseArgsConfig['options']>;
import { AppError, isAppError } from '../common/errors';
import { createProxy, type RpcClient } from '../common/rpcClient';
import { StatusChannel } from '../common/status';
import { resolveDataDir } from '../node/paths';
import { connectToCore, type CoreTarget } from './coreClient';
import { localSocketPath } from './localSocket';
import { NB_USAGE, nbCommand } from './nbCommand';
import { VERSION, startCore } from './serverMain';

const HELP = `lathe ${VERSION}: the Lathe workbench core and its command-line client

Usage:
  lathe serve [--host 127.0.0.1] [--port N] [--token T] [--data-dir DIR] [--workspace DIR] [--no-open] [--log-level L]
        Run the core headless and serve the UI; prints the URL with its token. Notebooks live in the
        workspace (default: your home folder; LATHE_WORKSPACE).
  lathe status [--json]        The core's version and services.
  ${NB_USAGE}
        Run a notebook headless (parameters go after the cell tagged "parameters"); exit 1 if a cell fails.
  lathe --version | help

Client commands talk to a running core: the local one on this data dir by default, or a remote one with
--url URL --token T (or LATHE_URL and LATHE_TOKEN).`;

type Out = { log(s: string): void; error(s: string): void };

/** Runs the CLI; returns the process exit code (0 ok, 1 failure, 2 usage). */
export async function runCli(argv: string[], out: Out = console, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'serve':
        return await serve(rest, out, env);
      case 'status':
        return await status(rest, out, env);
      case 'nb':
        return await nbCommand(rest, out);
      case '--version':
      case '-v':
        out.log(VERSION);
        return 0;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        out.log(HELP);
        return 0;
      default:
        out.error(`lathe: unknown command "${command}". Run \`lathe help\` for the list.`);
        return 2;
    }
  } catch (err) {
    if (isAppError(err, 'USAGE')) {
      out.error(`lathe: ${err.message}\n\n${HELP}`);
      return 2;
    }
    out.error(`lathe: ${isAppError(err) ? err.message : (err as Error).stack}`);
    return 1;
  }
}

type Values = Record<string, string | boolean | undefined>;

function parse(args: string[], options: ParseArgsOptionsConfig): Values {
  try {
    return parseArgs({ args, options, allowPositionals: false, strict: true }).values as Values;
  } catch (err) {
    throw new AppError('USAGE', (err as Error).message);
  }
}

function portArg(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new AppError('USAGE', `--port must be a whole number from 0 to 65535, not "${v}".`);
  return n;
}

async function serve(args: string[], out: Out, env: NodeJS.ProcessEnv): Promise<number> {
  const o = parse(args, {
    host: { type: 'string' },
    port: { type: 'string' },
    token: { type: 'string' },
    'data-dir': { type: 'string' },
    'no-open': { type: 'boolean' },
    'log-level': { type: 'string' },
    workspace: { type: 'string' },
  });
  const level = o['log-level'] as string | undefined;
  if (level && !['debug', 'info', 'warn', 'error'].includes(level)) throw new AppError('USAGE', `--log-level must be debug, info, warn or error, not "${level}".`);
  const core = await startCore({
    host: o.host as string | undefined,
    port: portArg((o.port as string | undefined) || env.LATHE_PORT || undefined),
    // An empty variable means unset, as shells and CI often export blank values.
    token: (o.token as string | undefined) || env.LATHE_TOKEN || undefined,
    dataDir: o['data-dir'] as string | undefined,
    logLevel: level as 'info' | undefined,
    workspace: (o.workspace as string | undefined) || env.LATHE_WORKSPACE || undefined,
  });
  out.log(`Lathe ${VERSION} is running. Open:\n  ${core.openUrl}`);
  // Under the Electron shell the core runs as a child with an IPC channel: tell it where we are.
  process.send?.({ type: 'lathe:ready', url: core.url, port: core.port });
  if (!o['no-open'] && !process.send) openBrowser(core.openUrl);
  let stopping = false;
  const stop = (sig: string) => {
    if (stopping) return;
    stopping = true;
    core.log.info(`received ${sig}, shutting down`);
    void core.dispose().then(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('disconnect', () => stop('parent disconnect'));
  return new Promise<number>(() => undefined);
}

function openBrowser(url: string): void {
  const cmd = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  try {
    const child = spawn(cmd, [url], { stdio: 'ignore', detached: true });
    child.on('error', () => undefined); // No desktop here: the URL is printed above.
    child.unref();
  } catch {
    // Same: the printed URL is the fallback.
  }
}

/** Resolves which core a client command talks to. */
export function resolveTarget(o: { url?: string; token?: string; 'data-dir'?: string }, env: NodeJS.ProcessEnv): CoreTarget {
  const url = o.url || env.LATHE_URL;
  if (!url) return { socketPath: localSocketPath(resolveDataDir(o['data-dir'], env)) };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new AppError('USAGE', `--url "${url}" is not a URL; use the form http://HOST:PORT/.`);
  }
  const token = o.token || env.LATHE_TOKEN || parsed.searchParams.get('token') || undefined;
  if (!token) throw new AppError('USAGE', `No token for ${parsed.origin}: pass --token or set LATHE_TOKEN.`);
  return { url: parsed.origin + parsed.pathname, token };
}

async function withClient<T>(args: string[], extra: ParseArgsOptionsConfig, env: NodeJS.ProcessEnv, fn: (c: RpcClient, o: Values) => Promise<T>): Promise<T> {
  const o = parse(args, { url: { type: 'string' }, token: { type: 'string' }, 'data-dir': { type: 'string' }, ...extra });
  const client = await connectToCore(resolveTarget(o as Record<string, string | undefined>, env));
  try {
    return await fn(client, o);
  } finally {
    client.dispose();
  }
}

async function status(args: string[], out: Out, env: NodeJS.ProcessEnv): Promise<number> {
  return withClient(args, { json: { type: 'boolean' } }, env, async (client, o) => {
    const s = await createProxy(client, StatusChannel).get();
    if (o.json) out.log(JSON.stringify(s, null, 2));
    else {
      out.log(`Lathe core ${s.version}, up since ${s.startedAt} (launch #${s.launches})`);
      for (const svc of s.services) out.log(`  ${svc.name.padEnd(12)} ${svc.state}${svc.detail ? ` (${svc.detail})` : ''}`);
    }
    return 0;
  });
}
