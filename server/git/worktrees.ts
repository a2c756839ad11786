import { mkdir, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { TASK_ID_PATTERN } from '../../shared/task.js';
import { assertBranchName, type Repo } from './repo.js';
import { worktreeParent } from './slot-worktrees.js';
import {
  canonicalPath,
  findWorktree,
  isMissing,
  listWorktrees,
  registeredWorktree,
  type WorktreeEntry,
} from './worktree-list.js';

// The rest of the worktree lifecycle lives beside this file; callers import it all from here.
export { commitAll } from './commit.js';
export { branchDiff } from './diff.js';
export { MergeBlockedError, mergeBranch } from './merge.js';

export class WorktreeError extends Error {
  override readonly name = 'WorktreeError';
}

/** Where a task's worktree lives: by default a sibling folder `<root>.worktrees/<id>`, outside the repo. */
export function worktreePath(root: string, worktreeDir: string | null, id: string): string {
  if (!TASK_ID_PATTERN.test(id)) throw new WorktreeError(`"${id}" is not a task id, so it cannot name a worktree folder`);
  return path.join(worktreeParent(root, worktreeDir), id);
}

export async function worktreeExists(repo: Repo, dir: string): Promise<boolean> {
  // Asked as each phase begins: git's own files answer without a git process when they can
  // (dir/.git was just read as a file, so dir is a folder).
  if ((await registeredWorktree(repo, dir)) === true) return true;
  // A new task's folder is not there yet: no need to ask git.
  return (await isDirectory(dir)) && (await findWorktree(repo, dir)) !== null;
}

export async function createWorktree(repo: Repo, o: { id: string; branch: string; base: string; dir: string }): Promise<void> {
  assertBranchName(o.branch);
  assertBranchName(o.base);
  // Each git command is a process (tens of ms, more on a loaded machine): ask each question once.
  let worktrees = await listWorktrees(repo);
  // Forget worktrees whose folders were deleted behind our back, so they can be recreated.
  if (worktrees.some((w) => w.prunable)) {
    await repo.git.raw(['worktree', 'prune']);
    worktrees = await listWorktrees(repo);
  }
  const entry = await matching(worktrees, o.dir);
  if (entry) {
    if (entry.branch === o.branch) return;
    throw await wrongBranchError(repo, o.branch, o.dir, entry.branch);
  }
  if (!(await isEmptyOrMissing(o.dir))) {
    throw new WorktreeError(
      `cannot create the worktree for task ${o.id}: ${o.dir} already exists and is not a worktree of ${repo.root}; move it away or delete it, then retry`,
    );
  }
  const [branchTip, baseTip] = await repo.branchHeads([o.branch, o.base]);
  await mkdir(path.dirname(o.dir), { recursive: true });
  if (branchTip) {
    const holder = worktrees.find((w) => w.branch === o.branch);
    if (holder) {
      throw new WorktreeError(
        `cannot create the worktree for task ${o.id}: branch ${o.branch} is already checked out at ${holder.path}; check out another branch there, or remove that worktree, then retry`,
      );
    }
    await repo.git.raw(['worktree', 'add', o.dir, o.branch]);
    return;
  }
  if (!baseTip && !(await repo.hasCommits())) {
    throw new WorktreeError(
      `cannot start task ${o.id}: ${repo.root} has no commits yet, and the task branch must start from ${o.base}; commit something first`,
    );
  }
  if (!baseTip) {
    throw new WorktreeError(
      `cannot start task ${o.id}: the base branch ${o.base} does not exist in ${repo.root}; create it, or choose an existing base branch in the settings`,
    );
  }
  await repo.git.raw(['worktree', 'add', '-b', o.branch, o.dir, `refs/heads/${o.base}`]);
}

async function matching(worktrees: WorktreeEntry[], dir: string): Promise<WorktreeEntry | null> {
  const wanted = await canonicalPath(dir);
  for (const w of worktrees) if ((await canonicalPath(w.path)) === wanted) return w;
  return null;
}

async function wrongBranchError(repo: Repo, branch: string, dir: string, actual: string | null): Promise<WorktreeError> {
  const onWhat = actual ? `branch ${actual}` : 'a detached HEAD';
  if (!(await repo.branchExists(branch))) {
    const fix = actual ? `rename it back (git branch -m ${actual} ${branch})` : `check out ${branch} again in ${dir}`;
    return new WorktreeError(
      `branch ${branch} no longer exists (renamed or deleted outside the studio?) and its worktree ${dir} is now on ${onWhat}: ${fix}, or remove the worktree (git worktree remove --force ${dir}) and start the task again`,
    );
  }
  return new WorktreeError(
    `the worktree ${dir} is on ${onWhat}, not ${branch}: run "git switch ${branch}" in ${dir}, or remove the worktree (git worktree remove --force ${dir}) and retry`,
  );
}

/** Removes a task's worktree (with any untracked files in it); a folder already deleted is fine. */
export async function removeWorktree(repo: Repo, o: { dir: string; branch: string; deleteBranch: boolean }): Promise<void> {
  assertBranchName(o.branch);
  if ((await canonicalPath(o.dir)) === (await canonicalPath(repo.root))) {
    throw new WorktreeError(`refusing to remove ${o.dir}: it is the main checkout, not a task worktree`);
  }
  await repo.git.raw(['worktree', 'prune']);
  const entry = await findWorktree(repo, o.dir);
  if (entry) {
    // Twice --force also removes a locked worktree.
    await repo.git.raw(['worktree', 'remove', '--force', ...(entry.locked ? ['--force'] : []), entry.path]);
    await repo.git.raw(['worktree', 'prune']);
  }
  if (o.deleteBranch && (await repo.branchExists(o.branch))) {
    await repo.git.raw(['branch', '-D', o.branch]);
  }
}

async function isDirectory(dir: string): Promise<boolean> {
  try {
    return (await stat(dir)).isDirectory();
  } catch (error) {
    if (isMissing(error)) return false;
    throw error;
  }
}

async function isEmptyOrMissing(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0;
  } catch (error) {
    if (isMissing(error)) return true;
    throw error;
  }
}
