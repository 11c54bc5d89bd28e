import { existsSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { AppError } from '../main/common/errors';

/**
 * Resolves a workspace-relative path to an absolute one inside `root`, refusing anything that would land
 * outside it: absolute paths, `..` climbing out, or a symlinked folder that points elsewhere.
 */
export function resolveInside(root: string, rel: string): string {
  if (isAbsolute(rel) || /^[a-zA-Z]:/.test(rel)) throw new AppError('PATH_OUTSIDE_WORKSPACE', `"${rel}" is an absolute path; give a path inside the workspace (${root}).`);
  const realRoot = realpathSync(root);
  const target = resolve(realRoot, rel);
  const inside = (p: string) => p === realRoot || p.startsWith(realRoot.endsWith(sep) ? realRoot : realRoot + sep);
  if (!inside(target)) throw new AppError('PATH_OUTSIDE_WORKSPACE', `"${rel}" points outside the workspace (${root}).`);
  // The deepest part that exists must not be a link out of the workspace.
  let probe = target;
  while (!existsSync(probe)) probe = dirname(probe);
  if (!inside(realpathSync(probe))) throw new AppError('PATH_OUTSIDE_WORKSPACE', `"${rel}" goes through a link that leaves the workspace (${root}).`);
  return target;
}

/** The workspace-relative form of an absolute path, with forward slashes. */
export function toWorkspacePath(root: string, abs: string): string {
  return relative(realpathSync(root), abs).split(sep).join('/');
}
