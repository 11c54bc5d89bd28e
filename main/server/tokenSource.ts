import { readFileSync, statSync } from 'node:fs';
import { AppError, ErrorCode } from '../common/errors';

/** Where a command may take the core's token from. */
export interface TokenOptions {
  token?: string;
  'token-file'?: string;
  'token-stdin'?: boolean;
}

/** How a command reads standard input and warns. */
export interface TokenIo {
  stdin?: NodeJS.ReadableStream;
  warn(message: string): void;
}

/**
 * The token a command was given: from `--token-file FILE` (its first line), `--token-stdin`, the environment's
 * LATHE_TOKEN, or `--token T` — which puts it in the process list, readable by every local user: that one works,
 * with a warning, and the process's command line is overwritten at once (it was visible until then).
 */
export async function readToken(o: TokenOptions, env: NodeJS.ProcessEnv, io: TokenIo): Promise<string | undefined> {
  const given = [o.token !== undefined && '--token', o['token-file'] !== undefined && '--token-file', o['token-stdin'] && '--token-stdin'].filter(Boolean);
  if (given.length > 1) throw new AppError(ErrorCode.Usage, `give the token one way, not with ${given.join(' and ')}.`);
  if (o['token-file'] !== undefined) return tokenFromFile(o['token-file'], io);
  if (o['token-stdin']) return tokenFromStdin(io.stdin ?? process.stdin);
  if (o.token !== undefined) {
    io.warn('lathe: warning: --token puts the token in the process list, where every user of this machine can read it. Use LATHE_TOKEN, --token-file FILE or --token-stdin instead; the command line has been overwritten now.');
    scrubCommandLine(o.token);
    return o.token || undefined;
  }
  // An empty variable means unset, as shells and CI often export blank values.
  return env.LATHE_TOKEN || undefined;
}

function tokenFromFile(file: string, io: TokenIo): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new AppError(ErrorCode.InvalidArgument, `Cannot read the token file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}. Check the path and that you can read it.`);
  }
  const token = text.split(/\r?\n/)[0]!.trim();
  if (!token) throw new AppError(ErrorCode.InvalidArgument, `The token file ${file} is empty: put the token on its first line.`);
  if ((statSync(file).mode & 0o077) !== 0) io.warn(`lathe: warning: the token file ${file} can be read by other users; \`chmod 600 ${file}\` keeps it yours.`);
  return token;
}

function tokenFromStdin(stdin: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const done = () => {
      stdin.off('data', onData);
      stdin.off('end', done);
      stdin.off('error', onError);
      stdin.pause();
      const token = buf.split(/\r?\n/)[0]!.trim();
      if (token) resolve(token);
      else reject(new AppError(ErrorCode.InvalidArgument, '--token-stdin: standard input gave no token. Pipe it in, e.g. `lathe serve --token-stdin < token.txt`.'));
    };
    const onData = (d: Buffer | string) => {
      buf += d.toString();
      if (buf.includes('\n') || buf.length > 4096) done();
    };
    const onError = (err: Error) => reject(new AppError(ErrorCode.InvalidArgument, `--token-stdin: cannot read standard input: ${err.message}`));
    stdin.on('data', onData);
    stdin.once('end', done);
    stdin.once('error', onError);
  });
}

/**
 * Overwrites this process's command line (what `ps` and /proc/PID/cmdline show) with one where the secret is
 * masked. Node's process.title writes over the memory that held the original arguments, on Linux and macOS.
 */
export function scrubCommandLine(secret: string): void {
  if (!secret || !process.argv.some((a) => a.includes(secret))) return;
  process.title = ['lathe', ...process.argv.slice(2).map((a) => a.split(secret).join('***'))].join(' ');
}
