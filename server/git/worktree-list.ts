import { readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import type { Repo } from './repo.js';

export interface WorktreeEntry {
  path: string;
  /** Short branch name, or null when the worktree is detached (or bare). */
  branch: string | null;
  locked: boolean;
  /** Its folder is gone: `git worktree prune` would forget it. */
  prunable: boolean;
}

export async function listWorktrees(repo: Repo): Promise<WorktreeEntry[]> {
  const out = await repo.git.raw(['worktree', 'list', '--porcelain']);
  const entries: WorktreeEntry[] = [];
  let current: WorktreeEntry | null = null;
  for (const line of out.split('\n')) {
    if (line.startsWith('worktree ')) {
      current = { path: line.slice('worktree '.length), branch: null, locked: false, prunable: false };
      entries.push(current);
    } else if (current && line.startsWith('branch ')) {
      current.branch = line.slice('branch '.length).replace(/^refs\/heads\//, '');
    } else if (current && (line === 'locked' || line.startsWith('locked '))) {
      current.locked = true;
    } else if (current && (line === 'prunable' || line.startsWith('prunable '))) {
      current.prunable = true;
    }
  }
  return entries;
}

export async function findWorktree(repo: Repo, dir: string): Promise<WorktreeEntry | null> {
  const wanted = await canonicalPath(dir);
  for (const entry of await listWorktrees(repo)) {
    if ((await canonicalPath(entry.path)) === wanted) return entry;
  }
  return null;
}

/**
 * Whether `dir` is one of the repository's linked worktrees, read from the files git keeps for it
 * (as `git worktree list` reads them) without a git process: `dir/.git` names an entry under the
 * repository's `.git/worktrees/`, and that entry's `gitdir` names `dir/.git` back. True only when
 * both agree; null when the files cannot say (a repository whose `.git` is not a folder, a
 * half-written entry), so the caller asks git.
 */
export async function registeredWorktree(repo: Repo, dir: string): Promise<boolean | null> {
  const text = (file: string) =>
    readFile(file, 'utf8').then(
      (t) => t.trim(),
      () => null,
    );
  const dotGit = path.join(dir, '.git');
  const pointer = await text(dotGit);
  const entry = pointer?.startsWith('gitdir: ') ? path.resolve(dir, pointer.slice('gitdir: '.length)) : null;
  if (!entry) return null;
  const [entryReal, worktreesReal] = await Promise.all([
    canonicalPath(entry),
    canonicalPath(path.join(repo.root, '.git', 'worktrees')),
  ]);
  if (path.dirname(entryReal) !== worktreesReal) return null;
  const back = await text(path.join(entry, 'gitdir'));
  if (!back) return null;
  return (await canonicalPath(path.resolve(entry, back))) === (await canonicalPath(dotGit)) ? true : null;
}

/** realpath for paths that may not exist (yet): resolves the longest existing prefix. */
export async function canonicalPath(p: string): Promise<string> {
  const abs = path.resolve(p);
  try {
    return await realpath(abs);
  } catch (error) {
    if (!isMissing(error)) throw error;
    const parent = path.dirname(abs);
    return parent === abs ? abs : path.join(await canonicalPath(parent), path.basename(abs));
  }
}

/** No such path; a name too long for the file system cannot exist either (a hand-set worktreeDir). */
export function isMissing(error: unknown): boolean {
  const code = error instanceof Error && 'code' in error ? error.code : undefined;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'ENAMETOOLONG';
}
