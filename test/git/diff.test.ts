import { describe, expect, it } from 'vitest';
import { branchDiff, truncatePatch } from '../../server/git/diff.js';
import { BranchNotFoundError, openRepo, type Repo } from '../../server/git/repo.js';
import { TaskDiff } from '../../shared/api.js';
import { commit, git, makeRepo, useTempRepos } from './helpers.js';

useTempRepos();

const lines = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix} ${i}\n`).join('');

async function branchWithChanges(): Promise<Repo> {
  const root = makeRepo();
  const forkPoint = commit(root, 'fixtures', {
    'docs/guide.md': lines(20, 'guide line'),
    'old.txt': 'going away\n',
    'logo.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3]),
  });
  git(root, 'switch', '--quiet', '--create', 'studio/abc');
  git(root, 'rm', '--quiet', 'old.txt');
  git(root, 'mv', 'docs/guide.md', 'docs/handbook.md');
  commit(root, 'agent work', {
    'src/app.ts': 'export const a = 2;\nexport const c = 3;\n',
    'src/new.ts': lines(3, '// new'),
    // Names git's raw and numstat records could be confused with: a leading colon, a tab.
    ':100644 100644 0 0 M': 'colon\n',
    'tab\tname.txt': 'tab\n',
    'logo.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 9, 9, 9, 9]),
  });
  // main moves on after the fork: none of this belongs in the task's diff.
  git(root, 'switch', '--quiet', 'main');
  commit(root, 'unrelated', { 'README.md': '# changed on main\n', 'main-only.txt': 'x\n' });
  expect(git(root, 'merge-base', 'main', 'studio/abc')).toBe(forkPoint);
  return openRepo(root);
}

describe('branchDiff', () => {
  it('lists what the branch changed since it forked, with statuses and line counts', async () => {
    const repo = await branchWithChanges();
    const diff = TaskDiff.parse(await branchDiff(repo, { branch: 'studio/abc', base: 'main' }));
    expect(diff.base).toBe(git(repo.root, 'merge-base', 'main', 'studio/abc'));
    expect(diff.head).toBe(git(repo.root, 'rev-parse', 'studio/abc'));
    expect([...diff.files].sort((a, b) => a.path.localeCompare(b.path))).toEqual([
      { path: ':100644 100644 0 0 M', status: 'added', additions: 1, deletions: 0 },
      { path: 'docs/handbook.md', status: 'renamed', additions: 0, deletions: 0 },
      { path: 'logo.png', status: 'modified', additions: 0, deletions: 0 },
      { path: 'old.txt', status: 'deleted', additions: 0, deletions: 1 },
      { path: 'src/app.ts', status: 'modified', additions: 2, deletions: 1 },
      { path: 'src/new.ts', status: 'added', additions: 3, deletions: 0 },
      { path: 'tab\tname.txt', status: 'added', additions: 1, deletions: 0 },
    ]);
    expect(diff.truncated).toBe(false);
    expect(diff.patch).toContain('diff --git a/src/app.ts b/src/app.ts');
    expect(diff.patch).toContain('+export const c = 3;');
    expect(diff.patch).toContain('rename to docs/handbook.md');
    expect(diff.patch).toContain('Binary files a/logo.png and b/logo.png differ');
    expect(diff.patch).not.toContain('main-only.txt');
  });

  it('truncates a large patch at a line end and says so', async () => {
    const repo = await branchWithChanges();
    const full = await branchDiff(repo, { branch: 'studio/abc', base: 'main' });
    const cut = await branchDiff(repo, { branch: 'studio/abc', base: 'main', maxPatchBytes: 300 });
    expect(cut.truncated).toBe(true);
    expect(Buffer.byteLength(cut.patch)).toBeLessThanOrEqual(300);
    expect(cut.patch.endsWith('\n')).toBe(true);
    expect(full.patch.startsWith(cut.patch)).toBe(true);
    expect(cut.files).toEqual(full.files);
  });

  it('is empty for a branch with no changes yet', async () => {
    const root = makeRepo();
    git(root, 'branch', 'studio/abc');
    const diff = await branchDiff(await openRepo(root), { branch: 'studio/abc', base: 'main' });
    expect(diff).toMatchObject({ files: [], patch: '', truncated: false });
  });

  it('names a missing branch', async () => {
    const repo = await openRepo(makeRepo());
    await expect(branchDiff(repo, { branch: 'studio/gone', base: 'main' })).rejects.toBeInstanceOf(BranchNotFoundError);
  });
});

describe('truncatePatch', () => {
  it('never splits a multi-byte character', () => {
    const { patch, truncated } = truncatePatch('ééééé', 5);
    expect(truncated).toBe(true);
    expect(patch).toBe('éé');
  });
});
