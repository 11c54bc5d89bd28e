import { createHash } from 'node:crypto';
import { unlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { AppError } from '../common/errors';
import { ensurePrivateDir } from '../base/node/paths';

/**
 * Where a core listens for local clients (the `lathe` CLI without --url): a Unix socket in the data dir's
 * run/ folder (mode 0700, so only the same OS user can connect — the same trust model as Docker's and
 * podman's sockets), or a named pipe on Windows. This keeps the token off the disk entirely.
 */
export function localSocketPath(dataDir: string, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') return `\\\\.\\pipe\\lathe-${createHash('sha256').update(dataDir).digest('hex').slice(0, 16)}`;
  return join(dataDir, 'run', 'core.sock');
}

/** Makes the socket's folder and clears a stale socket; fails if another core is live on the same data dir. */
export async function prepareLocalSocket(dataDir: string): Promise<string> {
  const path = localSocketPath(dataDir);
  if (process.platform === 'win32') return path;
  // 0700 every time: a folder loosened since (by hand, a restore) must not let other users reach the socket.
  ensurePrivateDir(join(dataDir, 'run'));
  const live = await new Promise<boolean>((resolve) => {
    const s = connect(path);
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
  if (live) {
    throw new AppError('CORE_ALREADY_RUNNING', `Another Lathe core is already running on the data dir ${dataDir}. Stop it, connect to it with \`lathe status\`, or use another --data-dir.`);
  }
  try {
    unlinkSync(path);
  } catch {
    // No stale socket.
  }
  return path;
}
