import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openRepo } from '../../server/git/repo.js';
import { commitAll, createWorktree, worktreePath } from '../../server/git/worktrees.js';
import { commit, git, makeRepo, useTempRepos, write } from './helpers.js';

useTempRepos();

async function worktree(): Promise<string> {
  const root = makeRepo();
  commit(root, 'board', { '.opencode-studio/tasks/abc.json': '{"status":"todo"}\n' });
  const repo = await openRepo(root);
  const dir = worktreePath(repo.root, null, 'abc');
  await createWorktree(repo, { id: 'abc', branch: 'studio/abc', base: 'main', dir });
  return dir;
}

describe('commitAll', () => {
  it('commits added, changed and deleted files but never .opencode-studio or opencode plugin installs', async () => {
    const dir = await worktree();
    write(dir, {
      'src/app.ts': 'export const a = 2;\n',
      'src/new.ts': 'export const b = 1;\n',
      '.opencode-studio/tasks/abc.json': '{"status":"in_progress"}\n',
      '.opencode-studio/plans/abc.md': '# plan\n',
      '.opencode/node_modules/x/index.js': '\n',
      '.opencode/package.json': '{}\n',
    });
    git(dir, 'rm', '--quiet', 'README.md');
    // An agent that staged everything itself must not sneak the board in either.
    git(dir, 'add', '--all', '--force');

    const sha = await commitAll(path.join(dir, 'src'), 'Implement abc');
    expect(sha).toMatch(/^[0-9a-f]{40}$/);
    expect(git(dir, 'rev-parse', 'HEAD')).toBe(sha);
    expect(git(dir, 'log', '-1', '--format=%s')).toBe('Implement abc');
    expect(git(dir, 'show', '--name-status', '--format=', 'HEAD').split('\n').sort()).toEqual(
      ['D\tREADME.md', 'A\tsrc/new.ts', 'M\tsrc/app.ts'].sort(),
    );
    expect(git(dir, 'status', '--porcelain')).toContain('.opencode-studio/');
  });

  it('returns null when nothing changed, or only the board did', async () => {
    const dir = await worktree();
    const before = git(dir, 'rev-parse', 'HEAD');
    expect(await commitAll(dir, 'nothing')).toBeNull();
    write(dir, { '.opencode-studio/tasks/abc.json': '{"status":"review"}\n' });
    expect(await commitAll(dir, 'only the board')).toBeNull();
    expect(git(dir, 'rev-parse', 'HEAD')).toBe(before);
  });

  it('commits as OpenCode Studio when no identity is configured', async () => {
    const dir = await worktree();
    git(dir, 'config', '--unset', 'user.name');
    git(dir, 'config', '--unset', 'user.email');
    write(dir, { 'src/app.ts': 'export const a = 3;\n' });
    await commitAll(dir, 'Anonymous work');
    expect(git(dir, 'log', '-1', '--format=%an <%ae>|%cn <%ce>')).toBe(
      'OpenCode Studio <studio@localhost>|OpenCode Studio <studio@localhost>',
    );
  });

  it('keeps a configured identity', async () => {
    const dir = await worktree();
    write(dir, { 'src/app.ts': 'export const a = 4;\n' });
    await commitAll(dir, 'Signed work');
    expect(git(dir, 'log', '-1', '--format=%an <%ae>')).toBe('Test Person <test@example.com>');
  });
});
