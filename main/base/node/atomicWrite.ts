import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, readdirSync, renameSync, rmSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { AppError } from '../../common/errors';
import { toWorkspacePath } from './workspacePath';

/**
 * Removes temp files a save of this file left when the process died between writing and renaming (a kill -9,
 * a power cut): they are never a newer version (the rename is what publishes one), only dead weight.
 */
export function removeLeftovers(abs: string): void {
  const dir = dirname(abs);
  const prefix = `${tempPrefix(abs)}.lathe-`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names) if (n.startsWith(prefix) && /^[0-9a-f]{8}\.tmp$/.test(n.slice(prefix.length))) rmSync(join(dir, n), { force: true });
}

/**
 * Writes to a temp file in the same folder, fsyncs, then renames over the target: readers see old or new, never half.
 * `root` is the workspace, for messages; `exclusive` refuses to replace an existing file.
 */
export function writeAtomic(root: string, abs: string, text: string | Uint8Array, exclusive: boolean): { mtimeMs: number; size: number } {
  const dir = dirname(abs);
  if (existsSync(dir) && statSync(dir).isDirectory()) removeLeftovers(abs);
  if (!existsSync(dir)) throw new AppError('NOT_FOUND', `The folder ${toWorkspacePath(root, dir)} does not exist.`);
  if (!statSync(dir).isDirectory()) throw new AppError('INVALID_ARGUMENT', `${toWorkspacePath(root, dir)} is a file, not a folder; a notebook cannot be saved inside it.`);
  // The name is cut so that a target name near the file system's limit still leaves room for the temp name.
  const tmp = join(dir, `${tempPrefix(abs)}.lathe-${randomBytes(4).toString('hex')}.tmp`);
  let mode = 0o644;
  try {
    mode = statSync(abs).mode & 0o777;
  } catch {
    // New file.
  }
  let fd: number;
  try {
    fd = openSync(tmp, 'wx', mode);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENAMETOOLONG') throw new AppError('INVALID_ARGUMENT', `${basename(abs).slice(0, 80)}… is too long a name for the file system (${Buffer.byteLength(basename(abs))} bytes; most allow 255). Choose a shorter name.`);
    throw new AppError('SAVE_FAILED', `Could not write ${basename(abs)} in ${toWorkspacePath(root, dir) || 'the workspace'}: ${code ?? (err as Error).message}${code === 'EACCES' || code === 'EPERM' ? ' (no permission to write there)' : code === 'EROFS' ? ' (the file system is read-only)' : code === 'ENOSPC' ? ' (the disk is full)' : ''}. The file on disk was not changed.`);
  }
  try {
    const bytes = typeof text === 'string' ? Buffer.from(text) : text;
    for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    unlinkSync(tmp);
    throw new AppError('SAVE_FAILED', `Could not write ${basename(abs)}: ${(err as Error).message}. The file on disk was not changed.`);
  }
  closeSync(fd);
  if (exclusive && existsSync(abs)) {
    unlinkSync(tmp);
    throw new AppError('ALREADY_EXISTS', `${basename(abs)} already exists.`);
  }
  try {
    renameSync(tmp, abs);
  } catch (err) {
    unlinkSync(tmp);
    throw new AppError('SAVE_FAILED', `Could not put ${basename(abs)} in place: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}. The file on disk was not changed.`);
  }
  const st = statSync(abs);
  return { mtimeMs: st.mtimeMs, size: st.size };
}

/** The start of a save's temp file name: a dot and the file's name (cut, so long names leave room). */
function tempPrefix(abs: string): string {
  return `.${basename(abs).slice(0, 64)}`;
}
