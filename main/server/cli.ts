import { spawn } from 'node:child_process';
import { AppError, isAppError } from '../common/errors';
import { createProxy } from '../common/rpcClient';
import { StatusChannel } from '../common/status';
import { parse, withClient } from './cliClient';
import { ENV_USAGE, envCommand } from './envCommand';
import { JOB_USAGE, jobCommand } from './jobCommand';
import { NB_USAGE, nbCommand } from './nbCommand';
import { SECRET_USAGE, secretCommand } from './secretCommand';
import { VERSION, startCore } from './serverMain';
import { readToken, type TokenOptions } from './tokenSource';

const HELP = `lathe ${VERSION}: the Lathe workbench core and its command-line client

Usage:
  lathe serve [--host 127.0.0.1] [--port N] [--token-file FILE | --token-stdin] [--data-dir DIR] [--workspace DIR] [--no-open] [--log-level L]
        Run the core headless and serve the UI; prints the URL with its token. Notebooks live in the
        workspace (default: your home folder; LATHE_WORKSPACE). The token is random unless given by
        LATHE_TOKEN, a file or standard input (--token T works but shows it to every local user).
  lathe status [--json]        The core's version and services.
  ${NB_USAGE}
        Run a notebook headless (parameters go after the cell tagged "parameters"); exit 1 if a cell fails.
${ENV_USAGE}
${JOB_USAGE}
${SECRET_USAGE}
  lathe --version | help

Client commands talk to a running core: the local one on this data dir by default, or a remote one with
--url URL and LATHE_TOKEN (or LATHE_URL; --token-file FILE also gives the token).`;

import type { Out } from './cliClient';
export { resolveTarget } from './cliClient';

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
        return await nbCommand(rest, out, process.cwd(), env);
      case 'env':
        return await envCommand(rest, out, env);
      case 'job':
        return await jobCommand(rest, out, env);
      case 'secret':
        return await secretCommand(rest, out, env);
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
    'token-file': { type: 'string' },
    'token-stdin': { type: 'boolean' },
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
    token: await readToken(o as TokenOptions, env, { warn: (m) => out.error(m) }),
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
