import type { SimpleGit } from 'simple-git';
import { gitAt, identityFallback } from './repo.js';

/**
 * Paths (from the worktree's top) that a task commit never includes: the studio's own board,
 * and what opencode generates when it installs plugins in `.opencode/`.
 */
export const NEVER_COMMIT = [
  '.opencode-studio',
  '.opencode/node_modules',
  '.opencode/package.json',
  '.opencode/package-lock.json',
  '.opencode/bun.lock',
  '.opencode/.gitignore',
] as const;

/** Commits everything the agent changed in a worktree; returns the new commit, or null when nothing changed. */
export async function commitAll(dir: string, message: string): Promise<string | null> {
  const git = gitAt(dir);
  const excluded = NEVER_COMMIT.map((p) => `:(top)${p}`);
  await git.raw(['add', '--all', '--', ':/', ...NEVER_COMMIT.map((p) => `:(exclude,top)${p}`)]);
  // The agent may have staged these itself; keep them in the folder but out of the commit.
  if ((await stagedPaths(git, excluded)).length > 0) await git.raw(['reset', '--quiet', '--', ...excluded]);
  if ((await stagedPaths(git, [':/'])).length === 0) return null;
  // The worktree belongs to the studio: the user's pre-commit hooks (often needing node_modules) do not run here.
  await git.raw([...(await identityFallback(git)), 'commit', '--no-verify', '--quiet', `--message=${message}`]);
  return (await git.raw(['rev-parse', 'HEAD'])).trim();
}

async function stagedPaths(git: SimpleGit, pathspecs: string[]): Promise<string[]> {
  const out = await git.raw(['diff', '--cached', '--name-only', '--no-renames', '-z', '--', ...pathspecs]);
  return out.split('\0').filter(Boolean);
}
