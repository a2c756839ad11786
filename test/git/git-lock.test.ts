import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { simpleGit } from 'simple-git';
import { describe, it, type TestContext } from 'vitest';
import { commitAll } from '../../server/git/commit.js';
import { GIT_LOCK_WAIT_MS, GitLockedError, waitForGitLocks } from '../../server/git/git-lock.js';
import { git, makeRepo, useTempRepos, write } from './helpers.js';

// The tests wait on real locks for real seconds, each in its own repo, so they run at once.
useTempRepos({ concurrent: true });

/** A real process that creates a lock file and keeps it open, as git does while it writes; killed when the test ends. */
async function holdLock(lock: string, { onTestFinished }: TestContext): Promise<ChildProcess> {
  const child = spawn('/bin/sh', ['-c', 'exec 3>"$1"; echo held; exec sleep 60', 'lock-holder', lock], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  onTestFinished(() => {
    child.kill('SIGKILL');
  });
  await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
  return child;
}

/** What git does when it is done with a lock: the holder goes, and so does the file. */
function release(child: ChildProcess, lock: string): void {
  child.kill('SIGKILL');
  rmSync(lock, { force: true });
}

describe.concurrent("git's lock files held by another process", () => {
  it('a commit waits for a held index.lock and goes through once it is released', async (ctx) => {
    const { expect } = ctx;
    const root = makeRepo();
    const lock = path.join(root, '.git/index.lock');
    const holder = await holdLock(lock, ctx);
    write(root, { 'src/app.ts': 'export const a = 2;\n' });
    const started = Date.now();
    const committing = commitAll(root, 'while locked');
    setTimeout(() => release(holder, lock), 1_500);
    const sha = await committing;
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_400);
    expect(sha).toBe(git(root, 'rev-parse', 'HEAD'));
    expect(git(root, 'log', '-1', '--format=%s')).toBe('while locked');
  });

  it('a lock held past the wait fails naming the lock and the process that holds it, and changes nothing', async (ctx) => {
    const { expect } = ctx;
    const root = makeRepo();
    const before = git(root, 'rev-parse', 'HEAD');
    const lock = path.join(root, '.git/HEAD.lock');
    const holder = await holdLock(lock, ctx);
    const started = Date.now();
    // The studio's bound is GIT_LOCK_WAIT_MS (10 s); a 2.5 s bound tries the same wait, past the unheld-lock looks.
    const err = await waitForGitLocks(
      () => simpleGit(root).raw(['commit', '--allow-empty', '--quiet', '-m', 'blocked']),
      2_500,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitLockedError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_400);
    expect((err as Error).message).toMatch(/the studio waited \d+ s for it/);
    expect((err as GitLockedError).reason).toBe('git-locked');
    expect((err as Error).message).toContain(lock);
    expect((err as Error).message).toContain(`process ${holder.pid} (sleep 60)`);
    expect(git(root, 'rev-parse', 'HEAD')).toBe(before);
    expect(existsSync(lock)).toBe(true);
  }, 30_000);

  it('a lock that nobody holds (a git that crashed) is named with how to remove it, never removed by the studio', async (ctx) => {
    const { expect } = ctx;
    const root = makeRepo();
    const lock = path.join(root, '.git/index.lock');
    const holder = await holdLock(lock, ctx);
    holder.kill('SIGKILL');
    await new Promise((resolve) => holder.once('exit', resolve));
    write(root, { 'src/app.ts': 'export const a = 3;\n' });
    const started = Date.now();
    const err = await commitAll(root, 'stale').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitLockedError);
    // Two looks a second apart find no holder: it fails then, not after the whole bound.
    expect(Date.now() - started).toBeLessThan(GIT_LOCK_WAIT_MS - 2_000);
    expect((err as Error).message).toMatch(/no running process holds it/);
    expect((err as Error).message).toContain(`rm '${lock}'`);
    expect(existsSync(lock)).toBe(true);
  }, 30_000);
});
