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
