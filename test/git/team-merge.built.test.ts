import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { mergeDriverCommand } from '../../server/git/merge-driver-config.js';
import { reasonOf } from '../helpers/failure.js';
import { startStudioFor, stopStudios, stopStudiosOf } from '../helpers/studio.js';
import { markersClash, pull, pushBoard, readTaskFile, team, unmerged } from '../helpers/team.js';
import { git, removeTempDirs } from '../helpers/temp-repo.js';
import { waitFor } from '../helpers/wait.js';

// Each test has its own origin, clones and studios (stopped as it ends), so the tests run at once:
// much of their time is git and the merge driver's own node process, on the other core.
afterAll(async () => {
  await stopStudios();
  await removeTempDirs();
});

describe.concurrent('teammates share a board through git (two clones of a bare origin)', () => {
  it('the studio installs the driver: .gitattributes committed with the board, the command in .git/config', async ({
    expect,
    onTestFinished,
  }) => {
    const { ana, bo } = await team();
    onTestFinished(() => stopStudiosOf(ana, bo));
    const attributes = await fs.readFile(path.join(ana.root, '.opencode-studio/.gitattributes'), 'utf8');
    expect(attributes).toContain('tasks/*.json merge=opencode-studio');
    expect(git(ana.root, 'ls-files', '.opencode-studio/.gitattributes')).toBe('.opencode-studio/.gitattributes');
    expect(git(ana.root, 'config', '--local', 'merge.opencode-studio.driver')).toBe(mergeDriverCommand());
    expect(mergeDriverCommand()).toMatch(/^'\/.+node[^']*' '\/.+\/dist\/server\/cli\/main\.js' merge-driver %O %A %B %P$/);
  });

  it('different fields of one task merge with no conflict, and the board shows the merge at once', async ({
    expect,
    onTestFinished,
  }) => {
    const { ana, bo, id } = await team();
    onTestFinished(() => stopStudiosOf(ana, bo));
    await ana.client.tasks.update.mutate({ id, title: 'Fix the login form' });
    pushBoard(ana.root, 'ana: title');
    await bo.client.tasks.update.mutate({ id, description: 'Safari only' });
    git(bo.root, 'commit', '-q', '-am', 'bo: description');
    const merged = pull(bo.root);
    expect(merged.ok, merged.output).toBe(true);
    expect(unmerged(bo.root)).toBe('');
    const file = JSON.parse(await readTaskFile(bo.root, id));
    expect(file).toMatchObject({ title: 'Fix the login form', description: 'Safari only' });
    expect(file.conflict).toBeUndefined();
    await waitFor(async () => {
      const t = (await bo.client.tasks.get.query({ id })).task;
      return t.title === 'Fix the login form' && t.description === 'Safari only';
    }, 'the merged task on the board');
  });

  it('labels merge as sets: adds and removes from both sides', async ({ expect, onTestFinished }) => {
    const { ana, bo, id } = await team();
    onTestFinished(() => stopStudiosOf(ana, bo));
    await ana.client.tasks.update.mutate({ id, labels: ['ui', 'auth'] });
    pushBoard(ana.root, 'ana: labels');
    await bo.client.tasks.update.mutate({ id, labels: ['bug', 'ui', 'safari'] });
    git(bo.root, 'commit', '-q', '-am', 'bo: labels');
    expect(pull(bo.root).ok).toBe(true);
    expect(JSON.parse(await readTaskFile(bo.root, id)).labels).toEqual(['ui', 'safari', 'auth']);
    await waitFor(async () => (await bo.client.tasks.get.query({ id })).task.labels.length === 3, 'merged labels');
  });

  it('the same field conflicts: valid JSON with ours and the clash; resolved through the API and staged', async ({
    expect,
    onTestFinished,
  }) => {
    const { ana, bo, id } = await team();
    onTestFinished(() => stopStudiosOf(ana, bo));
    await ana.client.tasks.update.mutate({ id, title: 'Ana’s title', labels: ['bug', 'ui', 'a'] });
    pushBoard(ana.root, 'ana: title');
    await bo.client.tasks.update.mutate({ id, title: 'Bo’s title', order: 7 });
    git(bo.root, 'commit', '-q', '-am', 'bo: title');
    const merged = pull(bo.root);
    expect(merged.ok).toBe(false);
    expect(merged.output).toMatch(/CONFLICT .*tasks\//);
    expect(unmerged(bo.root)).toContain(`${id}.json`);
    const file = JSON.parse(await readTaskFile(bo.root, id));
    expect(file).toMatchObject({ title: 'Bo’s title', order: 7, labels: ['bug', 'ui', 'a'] });
    expect(file.conflict).toEqual({ title: { base: 'Fix login', ours: 'Bo’s title', theirs: 'Ana’s title' } });
    const conflicted = await waitFor(
      async () => (await bo.client.tasks.get.query({ id })).task.conflict,
      'the conflict on the board',
    );
    expect(Object.keys(conflicted)).toEqual(['title']);

    expect(await reasonOf(bo.client.tasks.resolveConflict.mutate({ id, choices: { order: 'theirs' } }))).toBe('invalid-input');
    const resolved = await bo.client.tasks.resolveConflict.mutate({ id, choices: { title: 'theirs' } });
    expect(resolved.title).toBe('Ana’s title');
    expect(resolved.conflict).toBeUndefined();
    const after = JSON.parse(await readTaskFile(bo.root, id));
    expect(after.conflict).toBeUndefined();
    expect(after).toMatchObject({ title: 'Ana’s title', order: 7 });
    expect(unmerged(bo.root)).toBe('');
    git(bo.root, 'commit', '-q', '--no-edit');
    expect(git(bo.root, 'status', '--porcelain', '.opencode-studio/tasks')).toBe('');
    expect(await reasonOf(bo.client.tasks.resolveConflict.mutate({ id, choices: {} }))).toBe('not-allowed-now');
  });

  it('a clone that never ran the studio merges line by line; the studio then names the markers a merge conflict and resolves them', async ({
    expect,
    onTestFinished,
  }) => {
    const { ana, bo, id, carl, file, driverBefore } = await markersClash();
    onTestFinished(() => stopStudiosOf(ana, bo));
    expect(driverBefore).toBe(false);
    const text = await fs.readFile(file, 'utf8');
    expect(text).toMatch(/^<{7} /m);
    // Nothing lost: both titles are in the file.
    expect(text).toContain('Carl’s title');
    expect(text).toContain('Ana’s title');

    const studio = await startStudioFor({ onTestFinished }, { root: carl });
    const info = await studio.client.project.info.query();
    const problem = info.problems.find((p) => p.path.endsWith(`${id}.json`));
    expect(problem?.kind).toBe('merge-conflict');
    expect(problem?.reason).toMatch(/^git left conflict markers/);
    expect(problem?.reason).toContain('ours is "Carl’s title", theirs is "Ana’s title"');
    const task = (await studio.client.tasks.get.query({ id })).task;
    expect(task.title).toBe('Carl’s title');
    expect((task.conflict as Record<string, unknown> | undefined)?.title).toEqual({
      ours: 'Carl’s title',
      theirs: 'Ana’s title',
    });
    expect(await reasonOf(studio.client.tasks.update.mutate({ id, description: 'x' }))).toBe('merge-conflict-in-task');

    const choices = Object.fromEntries(Object.keys(task.conflict ?? {}).map((f) => [f, 'theirs' as const]));
    const resolved = await studio.client.tasks.resolveConflict.mutate({ id, choices });
    expect(resolved.title).toBe('Ana’s title');
    const after = await fs.readFile(file, 'utf8');
    expect(after).not.toMatch(/^<{7}/m);
    expect(JSON.parse(after).conflict).toBeUndefined();
    expect(unmerged(carl)).toBe('');
    expect((await studio.client.project.info.query()).problems).toEqual([]);
  });
});
