import { spawn } from 'node:child_process';
import { GitError } from 'simple-git';
import type { TaskDiff } from '../../shared/api.js';
import { BranchNotFoundError, envWithoutGit, type Repo } from './repo.js';

type DiffFile = TaskDiff['files'][number];

export const DEFAULT_MAX_PATCH_BYTES = 2 * 1024 * 1024;

// Pinned so the user's diff settings (colour, external tools, prefixes) cannot change what we parse or show.
const DIFF_OPTIONS = ['--no-color', '--no-ext-diff', '--no-textconv', '--find-renames'];

export class NoCommonHistoryError extends Error {
  override readonly name = 'NoCommonHistoryError';
}

const STATUS: Record<string, DiffFile['status']> = { A: 'added', M: 'modified', D: 'deleted', R: 'renamed', T: 'modified' };

/** What a task branch changed since it forked from `base`: files, counts and the unified patch. */
export async function branchDiff(repo: Repo, o: { branch: string; base: string; maxPatchBytes?: number }): Promise<TaskDiff> {
  const [head, baseTip] = await repo.branchHeads([o.branch, o.base]);
  if (!head) throw new BranchNotFoundError(o.branch, repo.root);
  if (!baseTip) throw new BranchNotFoundError(o.base, repo.root);
  const base = await mergeBase(repo, baseTip, head, o);
  return rangeDiff(repo, base, head, o.maxPatchBytes);
}

/**
 * What a merge commit brought into its first parent (the base branch): the task's changes as
 * merged, readable after the task branch is gone.
 */
export async function mergeCommitDiff(repo: Repo, sha: string, maxPatchBytes?: number): Promise<TaskDiff> {
  const [first] = (await repo.git.raw(['rev-list', '--parents', '-n', '1', sha])).trim().split(' ').slice(1);
  if (!first) throw new BranchNotFoundError(`${sha}^1`, repo.root);
  return rangeDiff(repo, first, sha, maxPatchBytes);
}

async function rangeDiff(repo: Repo, base: string, head: string, maxPatchBytes?: number): Promise<TaskDiff> {
  const range = [base, head];

  const files = parseRawNumstat(await repo.git.raw(['diff', ...DIFF_OPTIONS, '--raw', '--numstat', '-z', ...range]));
  const max = maxPatchBytes ?? DEFAULT_MAX_PATCH_BYTES;
  const capped = await readCapped(repo.root, ['diff', ...DIFF_OPTIONS, '--src-prefix=a/', '--dst-prefix=b/', ...range], max);
  const { patch, truncated } = truncatePatch(capped, max);
  return { base, head, files, patch, truncated };
}

async function mergeBase(repo: Repo, baseTip: string, head: string, o: { branch: string; base: string }): Promise<string> {
  try {
    return (await repo.git.raw(['merge-base', baseTip, head])).trim();
  } catch (error) {
    if (!(error instanceof GitError)) throw error;
    throw new NoCommonHistoryError(`${o.branch} and ${o.base} share no history, so there is no diff between them`);
  }
}

/** Binary files show as `-\t-`: they count as 0 added, 0 deleted. */
function parseNumstat(out: string): Map<string, { additions: number; deletions: number }> {
  const counts = new Map<string, { additions: number; deletions: number }>();
  const tokens = out.split('\0');
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (!token) continue;
    const [added = '-', deleted = '-', ...rest] = token.split('\t');
    let path = rest.join('\t');
    // A rename is `added\tdeleted\t` followed by the old and the new path as separate tokens.
    if (path === '') {
      path = tokens[i + 2] ?? '';
      i += 2;
    }
    counts.set(path, { additions: toCount(added), deletions: toCount(deleted) });
  }
  return counts;
}

function toCount(value: string): number {
  return value === '-' ? 0 : Number(value);
}

/**
 * `git diff --raw --numstat -z`: first a raw record per file (`:<modes> <ids> <status>`, then its
 * path, or the old and the new path of a rename or copy), then a numstat record per file.
 */
function parseRawNumstat(out: string): DiffFile[] {
  const tokens = out.split('\0');
  const files: Array<Pick<DiffFile, 'path' | 'status'>> = [];
  let i = 0;
  while (tokens[i]?.startsWith(':')) {
    const letter = tokens[i]!.split(' ')[4]?.charAt(0) ?? 'M';
    // Renames and copies carry a score and two paths; the new one is what the file is now.
    i += letter === 'R' || letter === 'C' ? 2 : 1;
    files.push({ path: tokens[i] ?? '', status: STATUS[letter] ?? 'modified' });
    i++;
  }
  const counts = parseNumstat(tokens.slice(i).join('\0'));
  return files.map(({ path, status }) => ({ path, status, ...(counts.get(path) ?? { additions: 0, deletions: 0 }) }));
}

/**
 * A git command's output, but no more than `max` + 1 bytes of it: the command is stopped once
 * that much has come, so a branch that rewrote a 100 MB file costs what the cap costs.
 */
function readCapped(cwd: string, args: string[], max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd, env: envWithoutGit(), stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let size = 0;
    let stopped = false;
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      if (stopped) return;
      chunks.push(chunk);
      size += chunk.length;
      if (size > max) {
        stopped = true;
        child.kill('SIGKILL');
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-2_000);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (!stopped && code !== 0) reject(new Error(`git ${args[0]} failed (${code}): ${stderr.trim()}`));
      else
        resolve(
          Buffer.concat(chunks)
            .subarray(0, max + 1)
            .toString('utf8'),
        );
    });
  });
}

/** Cuts the patch to at most `maxBytes` bytes of UTF-8, at a line end when there is one. */
export function truncatePatch(patch: string, maxBytes: number): { patch: string; truncated: boolean } {
  const bytes = Buffer.from(patch, 'utf8');
  if (bytes.length <= maxBytes) return { patch, truncated: false };
  let end = Math.max(0, Math.floor(maxBytes));
  const lastNewline = bytes.subarray(0, end).lastIndexOf(0x0a);
  if (lastNewline >= 0) end = lastNewline + 1;
  // Never split a UTF-8 sequence: back up over continuation bytes (10xxxxxx).
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return { patch: bytes.subarray(0, end).toString('utf8'), truncated: true };
}
