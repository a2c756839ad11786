import fs from 'node:fs/promises';
import path from 'node:path';
import { GitError } from 'simple-git';
import { StorageFaultError } from '../lib/storage-fault.js';
import { commitAll } from './commit.js';
import { assertBranchName, gitAt, identityFallback } from './repo.js';

export type MergeBaseResult = { merged: true; sha: string | null } | { merged: false; conflicts: string[] };

/** Text git writes into a conflicted file; a resolution that keeps any of them is no resolution. */
const MARKER = /^(<{7}|={7}|>{7})(\s|$)/m;

/**
 * Merges `base` into the branch checked out in the worktree `dir`. Clean: a merge commit (null
 * when already up to date). Conflicts: the merge is left in progress for someone to resolve.
 */
export async function mergeBaseInto(dir: string, o: { base: string; message: string }): Promise<MergeBaseResult> {
  assertBranchName(o.base);
  const git = gitAt(dir);
  const before = (await git.raw(['rev-parse', 'HEAD'])).trim();
  try {
    await git.raw([
      ...(await identityFallback(git)),
      'merge',
      '--no-ff',
      '--no-edit',
      '--no-verify',
      `--message=${o.message}`,
      `refs/heads/${o.base}`,
    ]);
  } catch (error) {
    if (error instanceof StorageFaultError) {
      await git.raw(['merge', '--abort']).catch(() => undefined);
      throw error;
    }
    if (!(error instanceof GitError)) throw error;
    const conflicts = await conflictedFiles(dir);
    if (conflicts.length === 0) {
      // E.g. local changes in the worktree that the merge would overwrite: they are kept.
      await git.raw(['merge', '--abort']).catch(() => undefined);
      throw new Error(`git could not merge ${o.base} into the task branch: ${error.message.trim()}`);
    }
    return { merged: false, conflicts };
  }
  const after = (await git.raw(['rev-parse', 'HEAD'])).trim();
  return { merged: true, sha: after === before ? null : after };
}

export async function conflictedFiles(dir: string): Promise<string[]> {
  const out = await gitAt(dir).raw(['diff', '--name-only', '--diff-filter=U', '-z']);
  return [...new Set(out.split('\0').filter(Boolean))];
}

/** Of `files`, those still holding conflict markers (a deleted file holds none). */
export async function filesWithMarkers(dir: string, files: readonly string[]): Promise<string[]> {
  const left: string[] = [];
  for (const file of files) {
    const text = await fs.readFile(path.join(dir, file), 'utf8').catch(() => '');
    if (MARKER.test(text)) left.push(file);
  }
  return left;
}

/** Commits the merge in progress with what is in the worktree now (the agent's resolution). */
export async function concludeMerge(dir: string, message: string, exclude: readonly string[]): Promise<string> {
  const sha = await commitAll(dir, message, exclude, { allowEmpty: true });
  return sha ?? (await gitAt(dir).raw(['rev-parse', 'HEAD'])).trim();
}

/** Stops a merge in progress, back to where it started (a clean worktree before it: a clean one after). */
export async function cancelMerge(dir: string): Promise<void> {
  await gitAt(dir).raw(['merge', '--abort']);
}

/** Back to the branch tip: the merge in progress (if any) and every change in the worktree dropped. */
export async function abortMerge(dir: string): Promise<void> {
  const git = gitAt(dir);
  await git.raw(['merge', '--abort']).catch(() => undefined);
  await git.raw(['reset', '--hard', '--quiet', 'HEAD']);
}
