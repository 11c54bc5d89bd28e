import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** Where Lathe keeps its database, settings and logs: `--data-dir`, else `LATHE_HOME`, else the OS's usual place. */
export function resolveDataDir(explicit?: string, env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (explicit) return resolve(explicit);
  if (env.LATHE_HOME) return resolve(env.LATHE_HOME);
  const home = homedir();
  switch (platform) {
    case 'win32':
      return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'Lathe');
    case 'darwin':
      return join(home, 'Library', 'Application Support', 'Lathe');
    default:
      return join(env.XDG_DATA_HOME ?? join(home, '.local', 'share'), 'lathe');
  }
}

/**
 * Makes `dir` (and its parents) and leaves it readable by this user only (0700), tightening a folder that an older
 * Lathe, a restore or the user's umask left open: the data dir holds the database, keys, logs and sockets.
 */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (process.platform === 'win32') return;
  if ((statSync(dir).mode & 0o077) !== 0) chmodSync(dir, 0o700);
}

/** Leaves an existing file readable and writable by this user only (0600). */
export function ensurePrivateFile(file: string): void {
  if (process.platform === 'win32') return;
  try {
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
