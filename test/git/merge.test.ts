import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openRepo, type Repo } from '../../server/git/repo.js';
import { MergeBlockedError, mergeBranch } from '../../server/git/worktrees.js';
import { commit, git, makeRepo, useTempRepos, write } from './helpers.js';

useTempRepos();

const task = { branch: 'studio/abc', base: 'main', message: 'Merge task abc' };

/** main with a board file, and a task branch that changes src/app.ts and adds src/feature.ts. */
async function repoWithTaskBranch(): Promise<Repo> {
  const root = makeRepo();
  commit(root, 'board', { '.opencode-studio/tasks/abc.json': '{"status":"review"}\n', 'notes.txt': 'notes\n' });
  git(root, 'switch', '--quiet', '--create', 'studio/abc');
  commit(root, 'agent work', { 'src/app.ts': 'export const a = 2;\n', 'src/feature.ts': 'export const f = 1;\n' });
  git(root, 'switch', '--quiet', 'main');
  return openRepo(root);
}

function snapshot(repo: Repo): { head: string; status: string; mergeHead: boolean } {
  const mergeHead = path.resolve(repo.root, git(repo.root, 'rev-parse', '--git-path', 'MERGE_HEAD'));
  return {
    head: git(repo.root, 'rev-parse', 'HEAD'),
    status: git(repo.root, 'status', '--porcelain'),
    mergeHead: existsSync(mergeHead),
  };
}

async function blocked(repo: Repo): Promise<MergeBlockedError> {
  const before = snapshot(repo);
  const error = await mergeBranch(repo, task).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(MergeBlockedError);
  expect(snapshot(repo)).toEqual(before);
  return error as MergeBlockedError;
}

describe('mergeBranch', () => {
  it('records a merge commit with two parents and puts the work on main', async () => {
    const repo = await repoWithTaskBranch();
    const mainBefore = git(repo.root, 'rev-parse', 'main');
    const { sha } = await mergeBranch(repo, task);
    expect(git(repo.root, 'rev-parse', 'main')).toBe(sha);
    expect(git(repo.root, 'log', '-1', '--format=%P', sha).split(' ')).toEqual([
      mainBefore,
      git(repo.root, 'rev-parse', 'studio/abc'),
    ]);
    expect(git(repo.root, 'log', '-1', '--format=%s', sha)).toBe('Merge task abc');
    expect(readFileSync(path.join(repo.root, 'src/feature.ts'), 'utf8')).toBe('export const f = 1;\n');
    expect(git(repo.root, 'status', '--porcelain')).toBe('');
  });

  it('refuses when the main checkout is on another branch', async () => {
    const repo = await repoWithTaskBranch();
    git(repo.root, 'switch', '--quiet', '--create', 'elsewhere');
    const error = await blocked(repo);
    expect(error.message).toMatch(/is on branch elsewhere; check out main first/);
  });

  it('refuses, naming them, when local changes touch files the merge would write', async () => {
    const repo = await repoWithTaskBranch();
    write(repo.root, { 'src/app.ts': 'export const a = 99;\n', 'src/feature.ts': 'untracked in the way\n' });
    const error = await blocked(repo);
    expect(error.files.sort()).toEqual(['src/app.ts', 'src/feature.ts']);
    expect(error.message).toMatch(/local changes to files the merge would touch \(.*src\/app\.ts.*\); commit or stash them/);
    expect(readFileSync(path.join(repo.root, 'src/app.ts'), 'utf8')).toBe('export const a = 99;\n');
  });

  it('merges despite local changes to untouched files, untracked files and the board', async () => {
    const repo = await repoWithTaskBranch();
    write(repo.root, {
      'notes.txt': 'edited, not committed\n',
      'scratch.txt': 'untracked\n',
      '.opencode-studio/tasks/abc.json': '{"status":"done"}\n',
      '.opencode-studio/plans/abc.md': '# plan\n',
    });
    await mergeBranch(repo, task);
    expect(readFileSync(path.join(repo.root, 'src/app.ts'), 'utf8')).toBe('export const a = 2;\n');
    expect(readFileSync(path.join(repo.root, 'notes.txt'), 'utf8')).toBe('edited, not committed\n');
    expect(readFileSync(path.join(repo.root, '.opencode-studio/tasks/abc.json'), 'utf8')).toBe('{"status":"done"}\n');
    expect(git(repo.root, 'status', '--porcelain').split('\n').sort()).toEqual([
      ' M .opencode-studio/tasks/abc.json',
      ' M notes.txt',
      '?? .opencode-studio/plans/',
      '?? scratch.txt',
    ]);
  });

  it('refuses staged changes, which git merge itself would refuse', async () => {
    const repo = await repoWithTaskBranch();
    write(repo.root, { 'notes.txt': 'staged\n' });
    git(repo.root, 'add', 'notes.txt');
    const error = await blocked(repo);
    expect(error.files).toEqual(['notes.txt']);
    expect(error.message).toMatch(/staged changes \(notes\.txt\)/);
  });

  it('aborts a conflicting merge, names the files and leaves the checkout exactly as it was', async () => {
    const repo = await repoWithTaskBranch();
    commit(repo.root, 'main moved on', { 'src/app.ts': 'export const a = 3;\n' });
    write(repo.root, { 'notes.txt': 'dirty but untouched\n' });
    const error = await blocked(repo);
    expect(error.files).toEqual(['src/app.ts']);
    expect(error.message).toMatch(
      /conflicts in src\/app\.ts; the merge was aborted.*press Update from main \(tasks\.updateBranch\).*or merge by hand/,
    );
    expect(readFileSync(path.join(repo.root, 'notes.txt'), 'utf8')).toBe('dirty but untouched\n');
  });

  it('leaves a clean checkout clean after a conflict', async () => {
    const repo = await repoWithTaskBranch();
    commit(repo.root, 'main moved on', { 'src/app.ts': 'export const a = 3;\n' });
    await blocked(repo);
    expect(snapshot(repo)).toMatchObject({ status: '', mergeHead: false });
  });

  it('refuses a branch that does not exist', async () => {
    const repo = await repoWithTaskBranch();
    const error = await mergeBranch(repo, { ...task, branch: 'studio/gone' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MergeBlockedError);
  });
});
