import { access } from 'node:fs/promises';
import path from 'node:path';
import { GitError } from 'simple-git';
import type { ErrorReason } from '../../shared/errors.js';
import { StorageFaultError } from '../lib/storage-fault.js';
import { GitLockedError, lockHolder, waitForLockGone } from './git-lock.js';
import { assertBranchName, identityFallback, type Repo } from './repo.js';
import { isMissing } from './worktree-list.js';

// The studio writes its board here while a merge runs; changes in it must not stop a merge.
const STUDIO_DIR = '.opencode-studio/';

export class MergeBlockedError extends Error {
  override readonly name = 'MergeBlockedError';
  constructor(
    message: string,
    readonly reason: MergeBlockedReason,
    readonly files: string[] = [],
  ) {
    super(message);
  }
}

export type MergeBlockedReason = Extract<
  ErrorReason,
  'merge-conflict' | 'dirty-checkout' | 'wrong-checkout' | 'no-branch' | 'internal'
>;

interface LocalChanges {
  /** Tracked files changed in the working tree or the index, and untracked files. */
  changed: string[];
  /** Files whose index entry differs from HEAD. */
  staged: string[];
}

/** Merges a task branch into `base` in the main checkout with a merge commit, or changes nothing and says why. */
export async function mergeBranch(repo: Repo, o: { branch: string; base: string; message: string }): Promise<{ sha: string }> {
  assertBranchName(o.branch);
  const what = `cannot merge ${o.branch} into ${o.base}`;
  const current = await repo.currentBranch();
  if (current !== o.base) {
    const onWhat = current ? `branch ${current}` : 'a detached HEAD';
    throw new MergeBlockedError(
      `${what}: the main checkout ${repo.root} is on ${onWhat}; check out ${o.base} first`,
      'wrong-checkout',
    );
  }
  if (await mergeInProgress(repo)) {
    throw new MergeBlockedError(
      `${what}: another merge is in progress in ${repo.root}; finish it or run "git merge --abort" first`,
      'dirty-checkout',
    );
  }
  const tip = await repo.branchHead(o.branch);
  if (!tip)
    throw new MergeBlockedError(
      `${what}: branch ${o.branch} does not exist (renamed or deleted outside the studio?)`,
      'no-branch',
    );

  const touched = new Set(await filesTouched(repo, tip, what));
  const local = await localChanges(repo);
  const overlapping = local.changed.filter((f) => touched.has(f) && !f.startsWith(STUDIO_DIR));
  if (overlapping.length > 0) {
    throw new MergeBlockedError(
      `${what}: ${repo.root} has local changes to files the merge would touch (${overlapping.join(', ')}); commit or stash them, then merge again`,
      'dirty-checkout',
      overlapping,
    );
  }
  if (local.staged.length > 0) {
    // git merge refuses whenever the index differs from HEAD, even for files the merge leaves alone.
    throw new MergeBlockedError(
      `${what}: ${repo.root} has staged changes (${local.staged.join(', ')}) and git merges only into a clean index; commit them, or unstage them with "git restore --staged", then merge again`,
      'dirty-checkout',
      local.staged,
    );
  }

  // git merge fails on a held index.lock with only "Unable to write index.": wait for it first.
  const indexLock = path.resolve(repo.root, (await repo.git.raw(['rev-parse', '--git-path', 'index.lock'])).trim());
  await waitForLockGone(indexLock);
  try {
    await repo.git.raw([
      ...(await identityFallback(repo.git)),
      'merge',
      '--no-ff',
      '--no-edit',
      `--message=${o.message}`,
      o.branch,
    ]);
  } catch (error) {
    if (error instanceof StorageFaultError) {
      // The disk refused part of the merge: undo what landed (if the disk lets us), then say why.
      if (await mergeInProgress(repo).catch(() => false)) await repo.git.raw(['merge', '--abort']).catch(() => undefined);
      throw error;
    }
    if (!(error instanceof GitError)) throw error;
    const blocked = await abandonMerge(repo, o, error);
    // Taken by another process between the wait and the merge: say so, not "internal".
    const lockNow = await access(indexLock).then(
      () => true,
      () => false,
    );
    if (blocked.reason === 'internal' && lockNow) throw new GitLockedError(indexLock, await lockHolder(indexLock), 0);
    throw blocked;
  }
  return { sha: (await repo.git.raw(['rev-parse', 'HEAD'])).trim() };
}

async function abandonMerge(repo: Repo, o: { branch: string; base: string }, error: GitError): Promise<MergeBlockedError> {
  const gitSays = error.message.trim();
  if (!(await mergeInProgress(repo))) {
    return new MergeBlockedError(`git refused to merge ${o.branch} into ${o.base}: ${gitSays}`, 'internal');
  }
  const conflicts = (await repo.git.raw(['diff', '--name-only', '--diff-filter=U', '-z'])).split('\0').filter(Boolean);
  await repo.git.raw(['merge', '--abort']);
  if (conflicts.length === 0) {
    return new MergeBlockedError(
      `merging ${o.branch} into ${o.base} failed, so it was aborted and nothing changed: ${gitSays}`,
      'internal',
    );
  }
  return new MergeBlockedError(
    `merging ${o.branch} into ${o.base} conflicts in ${conflicts.join(', ')}; the merge was aborted and nothing changed: press Update from ${o.base} (tasks.updateBranch) so the agent merges ${o.base} into the task branch and resolves them, or merge by hand`,
    'merge-conflict',
    conflicts,
  );
}

async function mergeInProgress(repo: Repo): Promise<boolean> {
  const mergeHead = path.resolve(repo.root, (await repo.git.raw(['rev-parse', '--git-path', 'MERGE_HEAD'])).trim());
  try {
    await access(mergeHead);
    return true;
  } catch (error) {
    if (isMissing(error)) return false;
    throw error;
  }
}

/** Files the merge writes: everything the branch changed since it forked, both sides of a rename. */
async function filesTouched(repo: Repo, tip: string, what: string): Promise<string[]> {
  const base = await repo.git.raw(['merge-base', 'HEAD', tip]).then(
    (out) => out.trim(),
    (error: unknown) => {
      if (error instanceof GitError) throw new MergeBlockedError(`${what}: they share no history`, 'internal');
      throw error;
    },
  );
  const out = await repo.git.raw(['diff', '--name-only', '--no-renames', '--no-ext-diff', '-z', base, tip]);
  return out.split('\0').filter(Boolean);
}

async function localChanges(repo: Repo): Promise<LocalChanges> {
  const out = await repo.git.raw(['status', '--porcelain=v1', '-z', '--untracked-files=all']);
  const tokens = out.split('\0');
  const changed: string[] = [];
  const staged: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const entry = tokens[i];
    if (!entry || entry.length < 4) continue;
    const [x, file] = [entry.charAt(0), entry.slice(3)];
    const files = [file];
    // A staged rename or copy is followed by its source path.
    if (x === 'R' || x === 'C') files.push(tokens[++i] ?? '');
    changed.push(...files);
    if (x !== ' ' && x !== '?' && x !== '!') staged.push(...files);
  }
  return { changed, staged };
}
