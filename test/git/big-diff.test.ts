import { execFileSync } from 'node:child_process';
import { describe, it } from 'vitest';
import { branchDiff, DEFAULT_MAX_PATCH_BYTES } from '../../server/git/diff.js';
import { openRepo } from '../../server/git/repo.js';
import { commit, git, makeRepo, useTempRepos } from './helpers.js';

// Each test has its own repository, so the tests run at once (describe.concurrent, the context's expect).
useTempRepos({ concurrent: true });

const lines = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix} ${i}\n`).join('');

/**
 * A commit on a new `branch` from main that adds `files`, made by one `git fast-import` without
 * touching the checkout: no 1,000 files written, hashed one by one, then deleted by a switch back.
 */
function commitOnNewBranch(root: string, branch: string, message: string, files: Record<string, string>): void {
  const data = (text: string) => `data ${Buffer.byteLength(text)}\n${text}\n`;
  const stream = [
    `commit refs/heads/${branch}\ncommitter Test Person <test@example.com> now\n${data(message)}from refs/heads/main\n`,
  ];
  for (const [file, content] of Object.entries(files)) stream.push(`M 100644 inline ${file}\n${data(content)}`);
  execFileSync('git', ['fast-import', '--quiet', '--date-format=now'], {
    cwd: root,
    input: stream.join(''),
    stdio: ['pipe', 'ignore', 'pipe'],
  });
}

describe.concurrent('a diff too big to show whole', { timeout: 120_000 }, () => {
  it('a 1,000-file branch: every file listed with its counts, the patch capped and marked truncated, quickly', async ({
    expect,
  }) => {
    const root = makeRepo();
    const files: Record<string, string> = {};
    for (let i = 0; i < 1_000; i++) files[`src/module-${String(i).padStart(4, '0')}.ts`] = lines(120, `export const line${i} =`);
    commitOnNewBranch(root, 'studio/big', 'a thousand files', files);
    const repo = await openRepo(root);

    const started = performance.now();
    const diff = await branchDiff(repo, { branch: 'studio/big', base: 'main' });
    const took = performance.now() - started;

    expect(diff.files).toHaveLength(1_000);
    expect(diff.files.every((f) => f.status === 'added' && f.additions === 120 && f.deletions === 0)).toBe(true);
    expect(diff.truncated).toBe(true);
    expect(Buffer.byteLength(diff.patch)).toBeLessThanOrEqual(DEFAULT_MAX_PATCH_BYTES);
    expect(Buffer.byteLength(diff.patch)).toBeGreaterThan(DEFAULT_MAX_PATCH_BYTES - 10_000);
    // Cut at a line end: the last line shown is whole.
    expect(diff.patch.endsWith('\n')).toBe(true);
    expect(took).toBeLessThan(15_000);
  });

  it('a 10 MB file: listed, its patch capped, the other files still listed', async ({ expect }) => {
    const root = makeRepo();
    git(root, 'switch', '--quiet', '--create', 'studio/huge');
    commit(root, 'one huge file', {
      'data/dump.sql': lines(400_000, 'INSERT INTO t VALUES'),
      'zz-small.txt': 'small\n',
    });
    git(root, 'switch', '--quiet', 'main');
    const repo = await openRepo(root);
    const started = performance.now();
    const diff = await branchDiff(repo, { branch: 'studio/huge', base: 'main', maxPatchBytes: 512 * 1024 });
    const took = performance.now() - started;
    expect(diff.files.map((f) => [f.path, f.additions])).toEqual([
      ['data/dump.sql', 400_000],
      ['zz-small.txt', 1],
    ]);
    expect(diff.truncated).toBe(true);
    expect(Buffer.byteLength(diff.patch)).toBeLessThanOrEqual(512 * 1024);
    expect(diff.patch).toContain('+++ b/data/dump.sql');
    expect(took).toBeLessThan(15_000);
  });

  it('a diff under the cap is whole and not marked', async ({ expect }) => {
    const root = makeRepo();
    git(root, 'switch', '--quiet', '--create', 'studio/small');
    commit(root, 'small', { 'a.txt': lines(10, 'a') });
    git(root, 'switch', '--quiet', 'main');
    const diff = await branchDiff(await openRepo(root), { branch: 'studio/small', base: 'main' });
    expect(diff.truncated).toBe(false);
    expect(diff.patch).toBe(`${git(root, 'diff', '--no-color', '--src-prefix=a/', '--dst-prefix=b/', 'main', 'studio/small')}\n`);
  });
});
