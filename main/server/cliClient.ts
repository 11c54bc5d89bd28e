import { parseArgs, type ParseArgsConfig } from 'node:util';
import { AppError } from '../common/errors';
import type { RpcClient } from '../common/rpcClient';
import { resolveDataDir } from '../base/node/paths';
import { connectToCore, type CoreTarget } from './coreClient';
import { localSocketPath } from './localSocket';
import { readToken } from './tokenSource';

/** Where a CLI command prints. */
export type Out = { log(s: string): void; error(s: string): void };

type ParseArgsOptionsConfig = NonNullable<ParseArgsConfig['options']>;

/** Parsed flag values. */
export type Values = Record<string, string | boolean | undefined>;

/** Parses flags (and positionals when allowed); a bad flag is a USAGE error. */
export function parse(args: string[], options: ParseArgsOptionsConfig): Values {
  try {
    return parseArgs({ args, options, allowPositionals: false, strict: true }).values as Values;
  } catch (err) {
    throw new AppError('USAGE', (err as Error).message);
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
  if (!token) throw new AppError('USAGE', `No token for ${parsed.origin}: set LATHE_TOKEN or pass --token-file FILE.`);
  return { url: parsed.origin + parsed.pathname, token };
}

/** Connects to the target core, runs `fn`, and disconnects. */
export async function withClient<T>(args: string[], extra: ParseArgsOptionsConfig, env: NodeJS.ProcessEnv, fn: (c: RpcClient, o: Values, positionals: string[]) => Promise<T>, maxPositionals = 0): Promise<T> {
  const { values: o, positionals } = parseWithPositionals(args, { url: { type: 'string' }, token: { type: 'string' }, 'token-file': { type: 'string' }, 'data-dir': { type: 'string' }, ...extra });
  if (positionals.length > maxPositionals) throw new AppError('USAGE', `unexpected argument "${positionals[maxPositionals]}"`);
  const token = await readToken({ token: o.token as string | undefined, 'token-file': o['token-file'] as string | undefined }, env, { warn: (m) => process.stderr.write(m + '\n') });
  const client = await connectToCore(resolveTarget({ ...(o as Record<string, string | undefined>), token }, env));
  try {
    return await fn(client, o, positionals);
  } finally {
    client.dispose();
  }
}

/** Parses flags and positionals; a bad flag is a USAGE error naming it. */
export function parseWithPositionals(args: string[], options: ParseArgsOptionsConfig): { values: Values; positionals: string[] } {
  try {
    const r = parseArgs({ args, options, allowPositionals: true, strict: true });
    return { values: r.values as Values, positionals: r.positionals };
  } catch (err) {
    throw new AppError('USAGE', (err as Error).message);
  }
}
