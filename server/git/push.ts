import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { ErrorReason } from '../../shared/errors.js';
import { errorMessage } from '../errors.js';
import { gitJournal } from './git-journal.js';
import { assertBranchName, type Repo } from './repo.js';

/** git refused or could not do a push; the reason tells a rejection from an unreachable remote. */
export class PushError extends Error {
  override name = 'PushError';
  constructor(
    message: string,
    readonly reason: ErrorReason,
  ) {
    super(message);
  }
}

const UNREACHABLE =
  /could not resolve host|unable to access|connection (refused|timed out)|could not read from remote|network is unreachable|does not appear to be a git repository/i;

/** Pushes the local branch to the same name on the remote (never forced), and returns the pushed commit. */
export async function pushBranch(repo: Repo, remote: string, branch: string): Promise<string> {
  assertBranchName(branch);
  const head = await repo.branchHead(branch);
  if (!head) throw new PushError(`there is no local branch ${branch} to push`, 'no-branch');
  try {
    await gitNetwork(repo, ['push', '--porcelain', remote, `refs/heads/${branch}:refs/heads/${branch}`]);
  } catch (err) {
    const failure = err as { stderr?: string; stdout?: string };
    const text = [failure.stderr, failure.stdout, errorMessage(err)].filter(Boolean).join('\n');
    if (/\[rejected\]|non-fast-forward|fetch first|\(stale info\)|! \[remote rejected\]/i.test(text))
      throw new PushError(
        `the remote "${remote}" refused the push of ${branch} (it has commits the task branch lacks: not a fast-forward); update the branch from the remote, or delete the remote branch, then try again`,
        'push-rejected',
      );
    if (UNREACHABLE.test(text))
      throw new PushError(
        `cannot push ${branch}: the remote "${remote}" cannot be reached (${firstLine(text)}); check the network and your git credentials`,
        'github-unreachable',
      );
    throw new PushError(`the push of ${branch} to "${remote}" failed: ${firstLine(text)}`, 'push-rejected');
  }
  return head;
}

/** Fetches the base branch into its remote-tracking ref only; the local branch and the checkout stay as they are. */
export async function fetchBranch(repo: Repo, remote: string, branch: string): Promise<void> {
  assertBranchName(branch);
  await gitNetwork(repo, ['fetch', '--quiet', remote, `refs/heads/${branch}:refs/remotes/${remote}/${branch}`]);
}

const run = promisify(execFile);

/**
 * git talking to a remote, with the user's own environment (their SSH agent, credential helper
 * and askpass) but never a prompt on a terminal the studio does not have.
 */
function gitNetwork(repo: Repo, args: string[]) {
  return gitJournal.step(repo.root, () =>
    run('git', args, {
      cwd: repo.root,
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0' },
      timeout: 120_000,
      maxBuffer: 4 * 1024 * 1024,
    }),
  );
}

function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l && !l.startsWith('To ')) ?? text
  );
}
