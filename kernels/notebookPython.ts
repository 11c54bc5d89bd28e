import { closeSync, openSync, readSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { onPath, type JupyterCommand } from './findJupyter';

/**
 * The Python that runs the notebooks' default kernel: the one that runs Jupyter Server (its native `python3`
 * kernelspec is that server's own interpreter). For `python -m jupyter_server` it is that python; for a
 * `jupyter-server` script it is the script's `#!` interpreter (`/usr/bin/env python3` resolved on PATH).
 * Local jobs without an env run their script with it, so a script that works in a notebook works as a job.
 */
export function notebookPython(cmd: JupyterCommand, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const [first, second] = cmd.argv;
  if (!first) return undefined;
  if (second === '-m') return first;
  let line = '';
  try {
    const fd = openSync(first, 'r');
    const buf = Buffer.alloc(512);
    const n = readSync(fd, buf, 0, buf.length, 0);
    closeSync(fd);
    line = buf.subarray(0, n).toString('utf8').split('\n')[0] ?? '';
  } catch {
    return undefined;
  }
  if (!line.startsWith('#!')) return undefined;
  const parts = line.slice(2).trim().split(/\s+/);
  if (parts[0]?.endsWith('/env')) {
    const name = parts.find((p, i) => i > 0 && !p.startsWith('-'));
    return name ? onPath(name, env) : undefined;
  }
  return parts[0] && isAbsolute(parts[0]) ? parts[0] : undefined;
}
