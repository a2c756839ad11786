import { rm } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { assertBranchName, gitAt, type Repo } from './repo.js';
import { findWorktree, listWorktrees } from './worktree-list.js';

/** The folder that holds task worktrees and warm slots: `worktreeDir`, or the sibling `<repo>.worktrees`. */
export function worktreeParent(root: string, worktreeDir: string | null): string {
  return worktreeDir ? path.resolve(root, worktreeDir) : `${path.resolve(root)}.worktrees`;
}

/**
 * A new worktree on a detached HEAD at `commit`: a spare no branch belongs to yet. Only the prune
 * runs under `gitLock`, the studio's lock on the shared .git. The checkout of every file (a second
 * or more on a real repository) runs beside a phase's git steps, at low CPU priority: it writes
 * only its own folder and its own entry under .git/worktrees, which git marks "initializing" so
 * that no prune takes it meanwhile; no shared index, no ref.
 */
export async function addDetachedWorktree(
  repo: Repo,
  dir: string,
  commit: string,
  gitLock: <T>(work: () => Promise<T>) => Promise<T>,
): Promise<void> {
  await gitLock(() => repo.git.raw(['worktree', 'prune']));
  await gitAt(repo.root, { background: true }).raw(['worktree', 'add', '--detach', dir, commit]);
}

/**
 * Moves a spare to `commit`, dropping changes to tracked files; untracked ones (what setup
 * installed) stay. Its own index and HEAD only: outside the git lock, at low CPU priority.
 */
export async function moveDetached(dir: string, commit: string): Promise<void> {
  await gitAt(dir, { background: true }).raw(['checkout', '--detach', '--force', commit]);
}

/**
 * Brings the spare's index up to date with its files, at low CPU priority. A checkout writes the
 * index in the same second as the files, so git cannot trust their times and compares every
 * file's content at the next `git add` (about 100 ms on 3,000 files, paid by the task's first
 * commit). Refreshed a second later, the index holds times git trusts. Only a cost moved off the
 * task's path: a failure here changes nothing and is left for that `git add` to meet.
 */
export async function refreshIndex(dir: string, checkedOutAt: number, signal?: AbortSignal): Promise<void> {
  const wait = checkedOutAt + RACY_MS - Date.now();
  // A studio shutting down does not wait for the second: the spare stays usable, its first add pays.
  if (wait > 0) await delay(wait, undefined, { signal }).catch(() => undefined);
  if (signal?.aborted) return;
  await gitAt(dir, { background: true })
    .raw(['update-index', '-q', '--refresh'])
    .catch(() => undefined);
}

/** git's clock for "the file may have changed after the index was written": whole seconds, and a margin. */
const RACY_MS = 1_100;

/**
 * The spare becomes a task's worktree: its branch starts here, at the commit the spare sits on.
 * The branch is made and HEAD pointed at it, which is all `checkout -b` does here, without its
 * look at every file (the tree does not change): 7 ms instead of 115 ms on 3,000 files.
 */
export async function branchHere(dir: string, branch: string): Promise<void> {
  assertBranchName(branch);
  const git = gitAt(dir);
  const ref = `refs/heads/${branch}`;
  // The empty old value: made only if no such branch exists.
  await git.raw(['update-ref', '-m', 'branch: Created from HEAD', ref, 'HEAD', '']);
  await git.raw(['symbolic-ref', '-m', `checkout: moving to ${branch}`, 'HEAD', ref]);
}

/** The linked worktree that has `branch` checked out, if any (the main checkout, listed first, never counts). */
export async function worktreeOfBranch(repo: Repo, branch: string): Promise<string | null> {
  const [, ...linked] = await listWorktrees(repo);
  return linked.find((w) => w.branch === branch && !w.prunable)?.path ?? null;
}

/** A fingerprint of `files` at `commit` (their blob ids): equal fingerprints, equal contents. */
export async function contentOf(repo: Repo, commit: string, files: readonly string[]): Promise<string> {
  if (files.length === 0) return '';
  return (await repo.git.raw(['ls-tree', '-r', commit, '--', ...files])).trim();
}

/** Removes a spare the studio made; its folder goes too, even when a kill left it before git registered it. */
export async function removeSpare(repo: Repo, dir: string): Promise<void> {
  await repo.git.raw(['worktree', 'prune']);
  if (await findWorktree(repo, dir)) await repo.git.raw(['worktree', 'remove', '--force', '--force', dir]);
  await rm(dir, { recursive: true, force: true });
  await repo.git.raw(['worktree', 'prune']);
}
