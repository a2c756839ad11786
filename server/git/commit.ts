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

/**
 * Commits everything the agent changed in a worktree, except `exclude` (paths from the top,
 * e.g. the files worktree setup copied in); returns the new commit, or null when nothing changed.
 */
export async function commitAll(
  dir: string,
  message: string,
  exclude: readonly string[] = [],
  o: { allowEmpty?: boolean } = {},
): Promise<string | null> {
  const git = gitAt(dir);
  const never = [...NEVER_COMMIT, ...exclude];
  await git.raw(['add', '--all', '--', ':/', ...NEVER_COMMIT.map((p) => `:(exclude,top)${p}`)]);
  const staged = (await git.raw(['diff', '--cached', '--name-only', '--no-renames', '-z'])).split('\0').filter(Boolean);
  // The agent may have staged these itself, and `exclude` is unstaged here rather than left out
  // of the add (git add fails on a pathspec naming an ignored file); they stay in the folder.
  const excluded = staged.filter((f) => never.some((p) => f === p || f.startsWith(`${p}/`)));
  if (excluded.length > 0) await git.raw(['reset', '--quiet', '--', ...never.map((p) => `:(top,literal)${p}`)]);
  // A merge whose resolution matches HEAD stages nothing and still needs its commit.
  if (staged.length === excluded.length && !o.allowEmpty) return null;
  // The worktree belongs to the studio: the user's pre-commit hooks (often needing node_modules) do not run here.
  await git.raw([
    ...(await identityFallback(git)),
    'commit',
    '--no-verify',
    '--quiet',
    ...(o.allowEmpty ? ['--allow-empty'] : []),
    `--message=${message}`,
  ]);
  return (await git.raw(['rev-parse', 'HEAD'])).trim();
}
