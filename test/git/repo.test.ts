import { mkdirSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { gitAt, NotAGitRepoError, openRepo } from '../../server/git/repo.js';
import { commit, git, makeRepo, tempDir, useTempRepos } from './helpers.js';

useTempRepos();

describe('openRepo', () => {
  it('refuses a folder that is not in a repository, and says how to fix it', async () => {
    const dir = tempDir();
    const error = await openRepo(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotAGitRepoError);
    expect((error as Error).message).toContain('is not a git repository: run "git init" there');
  });

  it('refuses a folder that does not exist', async () => {
    await expect(openRepo(path.join(tempDir(), 'nope'))).rejects.toBeInstanceOf(NotAGitRepoError);
  });

  it('resolves a subfolder to the top level', async () => {
    const root = makeRepo();
    mkdirSync(path.join(root, 'src', 'deep'), { recursive: true });
    const repo = await openRepo(path.join(root, 'src', 'deep'));
    expect(repo.root).toBe(realpathSync(root));
  });
});

describe('Repo', () => {
  it('names the unborn branch of a repository without commits', async () => {
    const repo = await openRepo(makeRepo({ empty: true }));
    expect(await repo.currentBranch()).toBe('main');
    expect(await repo.hasCommits()).toBe(false);
    expect(await repo.branchExists('main')).toBe(false);
  });

  it('returns null for a detached HEAD', async () => {
    const root = makeRepo();
    commit(root, 'second');
    git(root, 'checkout', '--quiet', '--detach', 'HEAD~1');
    const repo = await openRepo(root);
    expect(await repo.currentBranch()).toBeNull();
    expect(await repo.hasCommits()).toBe(true);
  });

  it('matches branch names exactly, not by prefix', async () => {
    const root = makeRepo();
    git(root, 'branch', 'studio/abc');
    const repo = await openRepo(root);
    expect(await repo.branchExists('main')).toBe(true);
    expect(await repo.branchExists('studio/abc')).toBe(true);
    expect(await repo.branchExists('studio')).toBe(false);
    expect(await repo.branchExists('studio/ab')).toBe(false);
  });
});

describe('gitAt', () => {
  it('a command that prints nothing resolves once git exits: no 50 ms grace timer of simple-git has to fire first', async () => {
    const root = makeRepo();
    const git = gitAt(root);
    // Timers set from here on never fire on their own: a command that waits for one never resolves.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const within = <T>(work: Promise<T>) =>
        Promise.race([
          work,
          new Promise<never>((_, reject) => {
            const guard = setInterval(() => {
              clearInterval(guard);
              reject(new Error('the command waited for a timer after git exited'));
            }, 10_000);
            void work.finally(() => clearInterval(guard));
          }),
        ]);
      // Silent: update-ref and symbolic-ref print nothing on success.
      await within(git.raw(['update-ref', 'refs/heads/silent', 'HEAD']));
      await within(git.raw(['symbolic-ref', 'HEAD', 'refs/heads/silent']));
      // Output still arrives whole.
      expect(await within(git.raw(['symbolic-ref', '--short', 'HEAD']))).toBe('silent\n');
      expect((await within(git.raw(['rev-parse', 'HEAD', 'HEAD']))).trim().split('\n')).toHaveLength(2);
    } finally {
      vi.useRealTimers();
    }
  });
});
