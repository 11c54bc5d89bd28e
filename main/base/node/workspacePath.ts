import { lstatSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { AppError } from '../../common/errors';

/**
 * Resolves a workspace-relative path to an absolute one inside `root`, refusing anything that would land
 * outside it: absolute paths, `..` climbing out, or a symlinked folder that points elsewhere.
 */
export function resolveInside(root: string, rel: string): string {
  if (rel.includes('\0')) throw new AppError('INVALID_ARGUMENT', `"${rel.replace(/\0/g, '\\0')}" holds a NUL character, which no file name may contain; remove it.`);
  const long = rel.split(/[\\/]/).find((part) => Buffer.byteLength(part) > 255);
  if (long !== undefined) throw new AppError('INVALID_ARGUMENT', `"${long.slice(0, 40)}…" is ${Buffer.byteLength(long)} bytes long; file and folder names may have at most 255. Choose a shorter name.`);
  if (isAbsolute(rel) || /^[a-zA-Z]:/.test(rel)) throw new AppError('PATH_OUTSIDE_WORKSPACE', `"${rel}" is an absolute path; give a path inside the workspace (${root}).`);
  const realRoot = realpathSync(root);
  const target = resolve(realRoot, rel);
  const inside = (p: string) => p === realRoot || p.startsWith(realRoot.endsWith(sep) ? realRoot : realRoot + sep);
  if (!inside(target)) throw new AppError('PATH_OUTSIDE_WORKSPACE', `"${rel}" points outside the workspace (${root}).`);
  // The deepest part that exists (a link counts, even one that points nowhere) must resolve inside the workspace:
  // a dangling link would otherwise let a write create its target outside.
  let probe = target;
  while (!lexists(probe)) probe = dirname(probe);
  let real: string | undefined;
  try {
    real = realpathSync(probe);
  } catch {
    real = undefined;
  }
  if (real === undefined || !inside(real)) throw new AppError('PATH_OUTSIDE_WORKSPACE', `"${rel}" goes through a link that leaves the workspace (${root})${real === undefined ? ' or points nowhere' : ''}.`);
  return target;
}

/** Whether anything (a link too, even one that points nowhere) is at `p`. */
export function lexists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

/** The workspace-relative form of an absolute path, with forward slashes. */
export function toWorkspacePath(root: string, abs: string): string {
  return relative(realpathSync(root), abs).split(sep).join('/');
}
