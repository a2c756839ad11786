import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { GitError, type SimpleGit, type SimpleGitOptions, simpleGit } from 'simple-git';
import { backgroundPrefix } from '../lib/background.js';
import { gitStorageFault } from '../lib/storage-fault.js';
import { gitJournal } from './git-journal.js';
import { waitForGitLocks } from './git-lock.js';

export class NotAGitRepoError extends Error {
  override readonly name = 'NotAGitRepoError';
  constructor(readonly dir: string) {
    super(`${dir} is not a git repository: run "git init" there, or start the studio inside a repository`);
  }
}

export class BranchNotFoundError extends Error {
  override readonly name = 'BranchNotFoundError';
  constructor(
    readonly branch: string,
    root: string,
  ) {
    super(`branch "${branch}" does not exist in ${root}`);
  }
}

export class InvalidBranchNameError extends Error {
  override readonly name = 'InvalidBranchNameError';
  constructor(readonly branch: string) {
    super(`"${branch}" is not a usable branch name`);
  }
}

/**
 * simple-git waits 50 ms more after a git command that printed nothing (its completion plugin,
 * for processes whose 'close' might come before their output), though it waits for 'close', which
 * comes only after all output. Most of the studio's steps print nothing (add, commit --quiet,
 * update-ref, symbolic-ref): a task's lifecycle paid that grace a dozen times. An empty chunk
 * once stdout ends tells the plugin that the command's output is complete.
 */
const endsWithoutGrace: Parameters<SimpleGit['outputHandler']>[0] = (_command, stdout) => {
  stdout.once('end', () => stdout.emit('data', Buffer.alloc(0)));
};

export const STUDIO_IDENTITY = { name: 'OpenCode Studio', email: 'studio@localhost' } as const;

// simple-git only rejects when a failing command also wrote to stderr; `git merge` reports
// conflicts on stdout, so every non-zero exit has to count as a failure.
const rejectOnExitCode: SimpleGitOptions['errors'] = (error, result) => {
  if (result.exitCode === 0) return error;
  const output = Buffer.concat(result.stdErr.length ? result.stdErr : result.stdOut);
  return output.length ? output : Buffer.from(`git exited with code ${result.exitCode} and printed nothing`);
};

/**
 * A simple-git instance for one directory (a checkout or a worktree). Its `raw`, the one call
 * the studio makes, waits for locks another process holds (git-lock.ts), is noted in the
 * process's git journal while it runs (git-journal.ts), and names a storage fault. With
 * `background` (a warm slot's checkout), `raw` runs git as background work (`backgroundPrefix`:
 * SCHED_IDLE and nice 10), which simple-git's binary option cannot express.
 */
export function gitAt(dir: string, options: { background?: boolean } = {}): SimpleGit {
  const git = simpleGit({
    baseDir: dir,
    errors: rejectOnExitCode,
    // simple-git drops ambient GIT_* variables; these only choose who a commit is by.
    allowEnvironment: ['GIT_AUTHOR_NAME', 'GIT_AUTHOR_EMAIL', 'GIT_COMMITTER_NAME', 'GIT_COMMITTER_EMAIL'],
  });
  const raw = options.background
    ? (...args: unknown[]) => backgroundGit(dir, (Array.isArray(args[0]) ? args[0] : args) as string[])
    : (git.raw.bind(git) as (...args: unknown[]) => Promise<string>);
  // A full or read-only disk, or a path git may not write, is named here, where git's words are read.
  git.raw = ((...args: unknown[]) =>
    waitForGitLocks(() => gitJournal.step(dir, () => raw(...args))).catch((err) => {
      throw gitStorageFault(err, dir) ?? err;
    })) as SimpleGit['raw'];
  git.outputHandler(endsWithoutGrace);
  return git;
}

/** This process's environment for a git it starts itself: as simple-git does, no ambient GIT_* variable (a hook's GIT_DIR, say). */
export function envWithoutGit(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('GIT_')));
}

/** git as background work in `dir`: its output, or a failure with what git said (as `rejectOnExitCode`). */
function backgroundGit(dir: string, args: string[]): Promise<string> {
  const [command, ...prefix] = backgroundPrefix();
  return new Promise((resolve, reject) => {
    execFile(
      command!,
      [...prefix, 'git', ...args],
      { cwd: dir, env: envWithoutGit(), maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (!err) resolve(stdout);
        else reject(new GitError(undefined, stderr || stdout || `git exited with code ${err.code} and printed nothing`));
      },
    );
  });
}

/** `-c user.name=… -c user.email=…` for whatever identity the repository's config lacks. */
export async function identityFallback(git: SimpleGit): Promise<string[]> {
  // One git call for both keys; exit code 1 (none set) is not an error here.
  const out = await git.raw(['config', '--get-regexp', '^user\\.(name|email)$']).catch(() => '');
  const set = new Set(out.split('\n').map((line) => line.split(' ')[0]));
  const args: string[] = [];
  for (const key of ['name', 'email'] as const)
    if (!set.has(`user.${key}`)) args.push('-c', `user.${key}=${STUDIO_IDENTITY[key]}`);
  return args;
}

export function assertBranchName(name: string): void {
  if (!name.trim() || name.startsWith('-') || /[\s\0]/.test(name)) throw new InvalidBranchNameError(name);
}

export class Repo {
  readonly git: SimpleGit;

  constructor(readonly root: string) {
    this.git = gitAt(root);
  }

  /** The checked-out branch (also when it has no commits yet), or null on a detached HEAD. */
  async currentBranch(): Promise<string | null> {
    const name = (await this.git.raw(['branch', '--show-current'])).trim();
    return name || null;
  }

  async hasCommits(): Promise<boolean> {
    return (await this.git.raw(['rev-list', '--max-count=1', '--all'])).trim() !== '';
  }

  async branchExists(name: string): Promise<boolean> {
    return (await this.branchHead(name)) !== null;
  }

  /** The commit a local branch points at, or null when there is no such branch. */
  async branchHead(name: string): Promise<string | null> {
    return (await this.branchHeads([name]))[0] ?? null;
  }

  /** `branchHead` of several branches, with one git command. */
  async branchHeads(names: readonly string[]): Promise<Array<string | null>> {
    const refs = names.map((n) => `refs/heads/${n}`);
    // for-each-ref matches whole path prefixes, so `studio` would also list `studio/x`.
    const out = await this.git.raw(['for-each-ref', '--format=%(objectname) %(refname)', ...refs]);
    const found = new Map<string, string>();
    for (const line of out.split('\n')) {
      const [sha, refname] = line.split(' ');
      if (sha && refname) found.set(refname, sha);
    }
    return refs.map((ref) => found.get(ref) ?? null);
  }
}

export async function openRepo(dir: string): Promise<Repo> {
  const abs = path.resolve(dir);
  const isDir = await stat(abs).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isDir) throw new NotAGitRepoError(abs);
  try {
    const root = (await gitAt(abs).raw(['rev-parse', '--show-toplevel'])).trim();
    if (!root) throw new NotAGitRepoError(abs);
    return new Repo(root);
  } catch (error) {
    if (error instanceof GitError && /not a git repository/i.test(error.message)) throw new NotAGitRepoError(abs);
    throw error;
  }
}
