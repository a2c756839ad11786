import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { gitAt, openRepo, type Repo } from '../../server/git/repo.js';
import { addDetachedWorktree, branchHere, refreshIndex } from '../../server/git/slot-worktrees.js';
import { registeredWorktree } from '../../server/git/worktree-list.js';
import { createWorktree, removeWorktree, WorktreeError, worktreeExists, worktreePath } from '../../server/git/worktrees.js';
import { backgroundPrefix } from '../../server/lib/background.js';
import { commit, git, makeRepo, useTempRepos, write } from './helpers.js';

// Each test has its own repository, so the tests run at once (describe.concurrent, the context's expect).
useTempRepos({ concurrent: true });

async function setup(): Promise<{ repo: Repo; dir: string; task: { id: string; branch: string; base: string; dir: string } }> {
  const repo = await openRepo(makeRepo());
  const dir = worktreePath(repo.root, null, 'abc');
  return { repo, dir, task: { id: 'abc', branch: 'studio/abc', base: 'main', dir } };
}

describe('worktreePath', () => {
  it('defaults to a sibling folder outside the repository', () => {
    expect(worktreePath('/home/me/app', null, 'abc')).toBe('/home/me/app.worktrees/abc');
  });

  it('resolves a relative folder against the root and keeps an absolute one', () => {
    expect(worktreePath('/home/me/app', '.trees', 'abc')).toBe('/home/me/app/.trees/abc');
    expect(worktreePath('/home/me/app', '/var/trees', 'abc')).toBe('/var/trees/abc');
  });

  it('refuses an id that would escape the folder', () => {
    expect(() => worktreePath('/home/me/app', null, '../evil')).toThrow(WorktreeError);
  });
});

describe.concurrent('createWorktree', () => {
  it('creates the branch from base in a new worktree', async ({ expect }) => {
    const { repo, dir, task } = await setup();
    await createWorktree(repo, task);
    expect(await worktreeExists(repo, dir)).toBe(true);
    expect(git(dir, 'branch', '--show-current')).toBe('studio/abc');
    expect(git(dir, 'rev-parse', 'HEAD')).toBe(git(repo.root, 'rev-parse', 'main'));
    expect(readFileSync(path.join(dir, 'README.md'), 'utf8')).toBe('# project\n');
  });

  it('is known to exist from git’s own files, without a git process; anything else is asked of git', async ({ expect }) => {
    const { repo, dir, task } = await setup();
    await createWorktree(repo, task);
    const raw = vi.spyOn(repo.git, 'raw');
    expect(await registeredWorktree(repo, dir)).toBe(true);
    expect(await worktreeExists(repo, dir)).toBe(true);
    expect(raw).not.toHaveBeenCalled();

    // A folder whose .git points at another repository's worktree entry is not one of ours.
    const other = makeRepo();
    const stranger = path.join(path.dirname(dir), 'stranger');
    git(other, 'worktree', 'add', '-q', '--detach', stranger);
    expect(await registeredWorktree(repo, stranger)).toBeNull();
    expect(await worktreeExists(repo, stranger)).toBe(false);
    expect(raw).toHaveBeenCalled();
    // The main checkout's .git is a folder: git answers.
    expect(await registeredWorktree(repo, repo.root)).toBeNull();
  });

  it('reuses an existing worktree and its work', async ({ expect }) => {
    const { repo, dir, task } = await setup();
    await createWorktree(repo, task);
    write(dir, { 'scratch.txt': 'not committed\n' });
    await createWorktree(repo, task);
    expect(readFileSync(path.join(dir, 'scratch.txt'), 'utf8')).toBe('not committed\n');
  });

  it('recreates a worktree folder deleted behind its back, on the same branch', async ({ expect }) => {
    const { repo, dir, task } = await setup();
    await createWorktree(repo, task);
    const sha = commit(dir, 'agent work', { 'feature.ts': 'export {};\n' });
    rmSync(dir, { recursive: true, force: true });
    expect(await worktreeExists(repo, dir)).toBe(false);
    await createWorktree(repo, task);
    expect(await worktreeExists(repo, dir)).toBe(true);
    expect(git(dir, 'rev-parse', 'HEAD')).toBe(sha);
  });

  it('explains a branch renamed behind its back', async ({ expect }) => {
    const { repo, dir, task } = await setup();
    await createWorktree(repo, task);
    git(repo.root, 'branch', '-m', 'studio/abc', 'my-name');
    const error = await createWorktree(repo, task).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorktreeError);
    expect((error as Error).message).toMatch(/studio\/abc no longer exists.*my-name.*git branch -m my-name studio\/abc/);
    expect(existsSync(dir)).toBe(true);
  });

  it('refuses a base branch that does not exist', async ({ expect }) => {
    const { repo, task } = await setup();
    await expect(createWorktree(repo, { ...task, base: 'develop' })).rejects.toThrow(/base branch develop does not exist/);
  });

  it('asks for a first commit in an empty repository', async ({ expect }) => {
    const repo = await openRepo(makeRepo({ empty: true }));
    const dir = worktreePath(repo.root, null, 'abc');
    await expect(createWorktree(repo, { id: 'abc', branch: 'studio/abc', base: 'main', dir })).rejects.toThrow(
      /commit something first/,
    );
  });

  it('refuses a folder in the way that is not a worktree', async ({ expect }) => {
    const { repo, dir, task } = await setup();
    write(dir, { 'mine.txt': 'keep me\n' });
    await expect(createWorktree(repo, task)).rejects.toThrow(/already exists and is not a worktree/);
    expect(readFileSync(path.join(dir, 'mine.txt'), 'utf8')).toBe('keep me\n');
  });
});

describe.concurrent('removeWorktree', () => {
  it('removes the folder (untracked files and all) and deletes the branch', async ({ expect }) => {
    const { repo, dir, task } = await setup();
    await createWorktree(repo, task);
    commit(dir, 'agent work', { 'feature.ts': 'export {};\n' });
    write(dir, { 'untracked.log': 'noise\n' });
    await removeWorktree(repo, { dir, branch: task.branch, deleteBranch: true });
    expect(existsSync(dir)).toBe(false);
    expect(await repo.branchExists(task.branch)).toBe(false);
    expect(git(repo.root, 'worktree', 'list', '--porcelain')).not.toContain(dir);
  });

  it('keeps the branch when asked to', async ({ expect }) => {
    const { repo, dir, task } = await setup();
    await createWorktree(repo, task);
    await removeWorktree(repo, { dir, branch: task.branch, deleteBranch: false });
    expect(existsSync(dir)).toBe(false);
    expect(await repo.branchExists(task.branch)).toBe(true);
  });

  it('tolerates a worktree folder that is already gone', async ({ expect }) => {
    const { repo, dir, task } = await setup();
    await createWorktree(repo, task);
    rmSync(dir, { recursive: true, force: true });
    await removeWorktree(repo, { dir, branch: task.branch, deleteBranch: true });
    await removeWorktree(repo, { dir, branch: task.branch, deleteBranch: true });
    expect(await repo.branchExists(task.branch)).toBe(false);
  });

  it('refuses to remove the main checkout', async ({ expect }) => {
    const { repo } = await setup();
    await expect(removeWorktree(repo, { dir: repo.root, branch: 'main', deleteBranch: false })).rejects.toThrow(/main checkout/);
  });
});

describe.concurrent('a warm spare handed to a task (branchHere)', () => {
  it('puts the task branch at the spare’s commit and checks it out, files and untracked installs as they were', async ({
    expect,
  }) => {
    const { repo } = await setup();
    const spare = worktreePath(repo.root, null, 'slot-1');
    await addDetachedWorktree(repo, spare, 'main', (work) => work());
    write(spare, { 'node_modules/dep/index.js': 'installed by setup\n' });
    const tip = git(repo.root, 'rev-parse', 'main');
    await branchHere(spare, 'studio/abc');
    expect(git(spare, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('studio/abc');
    expect(git(spare, 'rev-parse', 'HEAD')).toBe(tip);
    expect(git(spare, 'status', '--porcelain', '--untracked-files=no')).toBe('');
    expect(existsSync(path.join(spare, 'node_modules/dep/index.js'))).toBe(true);
    expect(git(repo.root, 'worktree', 'list', '--porcelain')).toContain('branch refs/heads/studio/abc');
    // A commit made there lands on the branch, not on a detached HEAD.
    commit(spare, 'first step', { 'a.txt': 'a\n' });
    expect(git(repo.root, 'rev-parse', 'studio/abc')).toBe(git(spare, 'rev-parse', 'HEAD'));
  });

  it('is made as background work, holding the studio’s git lock only for the prune', async ({ expect }) => {
    const { repo } = await setup();
    // A git alias runs its command as git's child: the niceness and the scheduling policy it
    // reports are git's (fields 19 and 41 of /proc/<pid>/stat; policy 5 is SCHED_IDLE, 0 the default).
    git(repo.root, 'config', 'alias.priority', "!cut -d' ' -f19,41 /proc/self/stat");
    const priority = async (background: boolean) => (await gitAt(repo.root, { background }).raw(['priority'])).trim();
    const idle = backgroundPrefix().some((part) => part.endsWith('chrt'));
    expect(await priority(false)).toBe('0 0');
    expect(await priority(true)).toBe(idle ? '10 5' : '10 0');
    // Debian has util-linux's chrt: there background work runs on idle CPU time only.
    if (process.platform === 'linux' && existsSync('/usr/bin/chrt')) expect(idle).toBe(true);

    const spare = worktreePath(repo.root, null, 'slot-1');
    const locked: string[] = [];
    await addDetachedWorktree(repo, spare, 'main', async (work) => {
      const before = git(repo.root, 'worktree', 'list', '--porcelain');
      const result = await work();
      locked.push(before.includes(spare) ? 'after the add' : 'before the add');
      return result;
    });
    expect(locked).toEqual(['before the add']);
    expect(git(spare, 'rev-parse', 'HEAD')).toBe(git(repo.root, 'rev-parse', 'main'));
  });

  it('has its index refreshed a second after the checkout, so no file is racily clean at the task’s first git add', async ({
    expect,
  }) => {
    const { repo } = await setup();
    const spare = worktreePath(repo.root, null, 'slot-1');
    await addDetachedWorktree(repo, spare, 'main', (work) => work());
    const checkedOutAt = Date.now();
    await refreshIndex(spare, checkedOutAt);
    expect(Date.now() - checkedOutAt).toBeGreaterThanOrEqual(1_000);
    // git trusts a file's cached stat only when the file is older than the index, in whole seconds.
    const seconds = (file: string) => Math.floor(statSync(file).mtimeMs / 1000);
    const index = seconds(git(spare, 'rev-parse', '--path-format=absolute', '--git-path', 'index'));
    const files = git(spare, 'ls-files').split('\n').filter(Boolean);
    expect(files.length).toBeGreaterThan(0);
    expect(files.filter((f) => seconds(path.join(spare, f)) >= index)).toEqual([]);
  });

  it('skips the wait and the refresh when the studio shuts down meanwhile: the spare is left as the checkout made it', async ({
    expect,
  }) => {
    const { repo } = await setup();
    const spare = worktreePath(repo.root, null, 'slot-1');
    await addDetachedWorktree(repo, spare, 'main', (work) => work());
    const indexFile = git(spare, 'rev-parse', '--path-format=absolute', '--git-path', 'index');
    const before = statSync(indexFile);
    const shutdown = new AbortController();
    const refreshing = refreshIndex(spare, Date.now(), shutdown.signal);
    shutdown.abort(new Error('the studio is shutting down'));
    await refreshing;
    const after = statSync(indexFile);
    // git update-index writes a new index file (a rename over it); none was run.
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
  });

  it('refuses a branch that already exists and leaves the spare detached where it was', async ({ expect }) => {
    const { repo } = await setup();
    const spare = worktreePath(repo.root, null, 'slot-1');
    await addDetachedWorktree(repo, spare, 'main', (work) => work());
    git(repo.root, 'branch', 'studio/taken');
    await expect(branchHere(spare, 'studio/taken')).rejects.toThrow();
    expect(git(spare, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('HEAD');
    await expect(branchHere(spare, 'bad..name')).rejects.toThrow();
  });
});
