import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { simpleGit } from 'simple-git';
import type { Lineage } from '../../common/jobs';

/**
 * The git facts of a working directory, via simple-git: remote, branch, commit, whether the tree is dirty,
 * and a sha256 of `git diff HEAD` so two dirty runs can be told apart. Not a repository → undefined.
 */
export async function gitLineage(dir: string): Promise<Lineage['git']> {
  // Most job folders outside a repository are told apart without starting git (a process per job start).
  if (!insideGitTree(dir) && !process.env.GIT_DIR) return undefined;
  const git = simpleGit({ baseDir: dir, timeout: { block: 15_000 } });
  try {
    if (!(await git.checkIsRepo())) return undefined;
    const root = (await git.revparse(['--show-toplevel'])).trim();
    const commit = await git.revparse(['HEAD']).then(
      (c) => c.trim(),
      () => undefined, // a repository without commits yet
    );
    const branch = await git.revparse(['--abbrev-ref', 'HEAD']).then(
      (b) => b.trim(),
      () => undefined,
    );
    const remote = await git.remote(['get-url', 'origin']).then(
      (r) => (r || '').trim() || undefined,
      () => undefined,
    );
    const status = await git.status();
    const dirty = !status.isClean();
    const diff = dirty && commit ? await git.diff(['HEAD']) : '';
    // A URL with credentials in it (https://user:token@host/...) must not land in the database.
    const safeRemote = remote?.replace(/\/\/[^/@]+@/, '//');
    return { root, remote: safeRemote, branch, commit, dirty, diffSha256: diff ? createHash('sha256').update(diff).digest('hex') : undefined };
  } catch {
    return undefined;
  }
}

/** Whether `dir` or a folder above it has a .git (folder, or file for worktrees and submodules). */
function insideGitTree(dir: string): boolean {
  for (let d = resolve(dir); ; d = dirname(d)) {
    if (existsSync(join(d, '.git'))) return true;
    if (dirname(d) === d) return false;
  }
}
