import { GitError } from 'simple-git';
import type { Repo } from './repo.js';

/** The lines of `path` at `commit`, or null when the file is not there. */
export async function fileLines(repo: Repo, commit: string, path: string): Promise<string[] | null> {
  try {
    const text = await repo.git.raw(['show', `${commit}:${path}`]);
    const lines = text.split('\n');
    if (lines.at(-1) === '') lines.pop();
    return lines;
  } catch (err) {
    if (err instanceof GitError) return null;
    throw err;
  }
}

export type Hunk = { oldStart: number; oldCount: number; newStart: number; newCount: number };

const HUNK = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/gm;

/** The hunks of `path` between two commits, without context lines. */
export async function changedHunks(repo: Repo, from: string, to: string, path: string): Promise<Hunk[]> {
  const patch = await repo.git.raw(['diff', '--no-color', '--no-ext-diff', '--no-renames', '-U0', from, to, '--', path]);
  const hunks: Hunk[] = [];
  for (const m of patch.matchAll(HUNK)) {
    hunks.push({
      oldStart: Number(m[1]),
      oldCount: m[2] === undefined ? 1 : Number(m[2]),
      newStart: Number(m[3]),
      newCount: m[4] === undefined ? 1 : Number(m[4]),
    });
  }
  return hunks;
}

/**
 * Where lines `start..end` of the old version are in the new one: moved by the hunks above them,
 * or `changed` when a hunk removes, rewrites or inserts inside them.
 */
export function followLines(hunks: readonly Hunk[], start: number, end: number): { start: number; end: number } | 'changed' {
  let shift = 0;
  for (const h of hunks) {
    if (h.oldCount === 0) {
      // A pure insertion after line oldStart.
      if (h.oldStart >= start && h.oldStart < end) return 'changed';
      if (h.oldStart < start) shift += h.newCount;
      continue;
    }
    const last = h.oldStart + h.oldCount - 1;
    if (h.oldStart <= end && last >= start) return 'changed';
    if (last < start) shift += h.newCount - h.oldCount;
  }
  return { start: start + shift, end: end + shift };
}

/** Whether every line of `start..end` of the old version is removed by the hunks (a comment on removed lines). */
export function stillRemoved(hunks: readonly Hunk[], start: number, end: number): boolean {
  for (let line = start; line <= end; line++)
    if (!hunks.some((h) => h.oldCount > 0 && line >= h.oldStart && line < h.oldStart + h.oldCount)) return false;
  return true;
}

export async function mergeBaseOf(repo: Repo, a: string, b: string): Promise<string | null> {
  try {
    return (await repo.git.raw(['merge-base', a, b])).trim() || null;
  } catch (err) {
    if (err instanceof GitError) return null;
    throw err;
  }
}
