import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, it } from 'vitest';
import type { StudioServer } from '../../server/index.js';
import { recordEvents } from '../helpers/bus-recorder.js';
import { failureOf, reasonOf } from '../helpers/failure.js';
import { startStudioFor, stopStudios } from '../helpers/studio.js';
import { git, removeTempDirs } from '../helpers/temp-repo.js';
import { waitFor } from '../helpers/wait.js';

// Each test has its own studio and repo (stopped when it ends), so the tests run at once.
afterAll(async () => {
  await stopStudios();
  await removeTempDirs();
});

const APP = ['const a = 1;', 'const b = 2;', 'const c = 3;', 'const d = 4;', 'const e = 5;'];

/** A task whose branch adds src/app.ts (and removes nothing), made with plain git. */
async function taskWithBranch(studio: StudioServer, root: string, title = 'Commented') {
  const task = await studio.services.tasks.create({ title });
  const branch = `studio/${task.id}`;
  git(root, 'switch', '-q', '-c', branch);
  await fs.mkdir(path.join(root, 'src'), { recursive: true });
  await fs.writeFile(path.join(root, 'src/app.ts'), `${APP.join('\n')}\n`);
  git(root, 'add', 'src');
  git(root, 'commit', '-q', '-m', 'add app');
  git(root, 'switch', '-q', 'main');
  await studio.services.store.tasks.patch(task.id, { branch, status: 'review' });
  return { task, branch };
}

/** Commit on the task branch (the way a fix would) without leaving main. */
async function commitOnBranch(root: string, branch: string, lines: string[]) {
  git(root, 'switch', '-q', branch);
  await fs.writeFile(path.join(root, 'src/app.ts'), `${lines.join('\n')}\n`);
  git(root, 'commit', '-q', '-am', 'fix');
  git(root, 'switch', '-q', 'main');
}

describe.concurrent('review comments on diff lines', () => {
  it('adds comments with the quoted lines into comments/<id>.json, and refuses bad input without writing', async (ctx) => {
    const { expect } = ctx;
    const { client, root, studio } = await startStudioFor(ctx);
    const events = recordEvents(studio.services.bus);
    const { task } = await taskWithBranch(studio, root);
    const one = await client.comments.add.mutate({ id: task.id, path: 'src/app.ts', side: 'new', line: 2, body: 'Call it two.' });
    const range = await client.comments.add.mutate({
      id: task.id,
      path: 'src/app.ts',
      line: 4,
      endLine: 5,
      body: 'Merge these.',
    });
    expect(one).toMatchObject({ status: 'open', author: 'person', quote: ['const b = 2;'], endLine: null });
    expect(range.quote).toEqual(['const d = 4;', 'const e = 5;']);
    const file = `${root}/.opencode-studio/comments/${task.id}.json`;
    const onDisk = JSON.parse(await fs.readFile(file, 'utf8'));
    expect(onDisk.comments.map((c: { id: string }) => c.id)).toEqual([one.id, range.id]);
    expect(Object.keys(onDisk.comments[0]).slice(0, 6)).toEqual(['id', 'path', 'side', 'line', 'endLine', 'body']);
    expect(events.of('comments.updated').at(-1)?.comments).toHaveLength(2);
    expect(await client.comments.list.query({ id: task.id })).toHaveLength(2);

    const before = await fs.readFile(file, 'utf8');
    expect(await failureOf(client.comments.add.mutate({ id: task.id, path: 'README.md', line: 1, body: 'x' }))).toMatch(
      /^BAD_REQUEST: "README.md" is not a file the task branch changes/,
    );
    expect(await failureOf(client.comments.add.mutate({ id: task.id, path: 'src/app.ts', line: 9, body: 'x' }))).toMatch(
      /^BAD_REQUEST: src\/app.ts has 5 line/,
    );
    expect(
      await failureOf(client.comments.add.mutate({ id: task.id, path: 'src/app.ts', line: 3, endLine: 2, body: 'x' })),
    ).toMatch(/^BAD_REQUEST: endLine/);
    expect(await failureOf(client.comments.add.mutate({ id: task.id, path: 'src/app.ts', line: 1, body: '  ' }))).toMatch(
      /^BAD_REQUEST/,
    );
    expect(await reasonOf(client.comments.resolve.mutate({ id: task.id, commentId: 'c-nothere' }))).toBe('not-found');
    const bare = await client.tasks.create.mutate({ title: 'No branch yet' });
    expect(await reasonOf(client.comments.add.mutate({ id: bare.id, path: 'src/app.ts', line: 1, body: 'x' }))).toBe('no-branch');
    expect(await fs.readFile(file, 'utf8')).toBe(before);
  });

  it('REST: the same procedures under /api/tasks/{id}/comments, in the OpenAPI document', async (ctx) => {
    const { expect } = ctx;
    const { root, studio } = await startStudioFor(ctx);
    const { task } = await taskWithBranch(studio, root);
    const headers = { authorization: `Bearer ${studio.token}`, 'content-type': 'application/json' };
    const base = `${studio.url}/api/tasks/${task.id}/comments`;
    const added = await fetch(base, {
      method: 'POST',
      headers,
      body: JSON.stringify({ path: 'src/app.ts', line: 2, body: 'REST' }),
    });
    expect(added.status).toBe(200);
    const comment = await added.json();
    expect(comment).toMatchObject({ line: 2, side: 'new', quote: ['const b = 2;'] });
    expect(await (await fetch(base, { headers })).json()).toHaveLength(1);
    const resolved = await fetch(`${base}/${comment.id}/resolve`, { method: 'POST', headers, body: '{}' });
    expect(await resolved.json()).toMatchObject({ status: 'resolved' });
    const gone = await fetch(`${base}/${comment.id}`, { method: 'DELETE', headers });
    expect(gone.status).toBe(200);
    const doc = await (await fetch(`${studio.url}/api/openapi.json`, { headers })).json();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/tasks/{id}/comments',
        '/tasks/{id}/comments/{commentId}',
        '/tasks/{id}/comments/{commentId}/resolve',
      ]),
    );
  });

  it('update, resolve, reopen and delete; deleting the task deletes its comments', async (ctx) => {
    const { expect } = ctx;
    const { client, root, studio } = await startStudioFor(ctx);
    const { task } = await taskWithBranch(studio, root);
    const c = await client.comments.add.mutate({ id: task.id, path: 'src/app.ts', line: 1, body: 'First' });
    expect(await client.comments.update.mutate({ id: task.id, commentId: c.id, body: 'Edited' })).toMatchObject({
      body: 'Edited',
    });
    expect(await client.comments.resolve.mutate({ id: task.id, commentId: c.id })).toMatchObject({ status: 'resolved' });
    expect(await client.comments.resolve.mutate({ id: task.id, commentId: c.id, resolved: false })).toMatchObject({
      status: 'open',
    });
    await client.comments.delete.mutate({ id: task.id, commentId: c.id });
    expect(await client.comments.list.query({ id: task.id })).toEqual([]);
    await client.comments.add.mutate({ id: task.id, path: 'src/app.ts', line: 1, body: 'Again' });
    await client.tasks.delete.mutate({ id: task.id, force: true });
    await expect(fs.access(`${root}/.opencode-studio/comments/${task.id}.json`)).rejects.toThrow();
  });

  it('after the branch moves on, a comment whose line changed is outdated against its old line; the others follow their lines', async (ctx) => {
    const { expect } = ctx;
    const { client, root, studio } = await startStudioFor(ctx);
    const { task, branch } = await taskWithBranch(studio, root);
    const changed = await client.comments.add.mutate({ id: task.id, path: 'src/app.ts', line: 2, body: 'Rename b.' });
    const kept = await client.comments.add.mutate({ id: task.id, path: 'src/app.ts', line: 4, endLine: 5, body: 'Keep.' });
    // The fix adds a line on top and rewrites line 2.
    await commitOnBranch(root, branch, [
      '// header',
      'const a = 1;',
      'const bee = 2;',
      'const c = 3;',
      'const d = 4;',
      'const e = 5;',
    ]);
    await studio.services.store.tasks.patch(task.id, { status: 'ai_review' });
    await studio.services.comments.idle();
    const after = await client.comments.list.query({ id: task.id });
    expect(after.find((c) => c.id === changed.id)).toMatchObject({ status: 'outdated', line: 2, quote: ['const b = 2;'] });
    expect(after.find((c) => c.id === kept.id)).toMatchObject({ status: 'open', line: 5, endLine: 6 });
    expect(after.find((c) => c.id === kept.id)?.commit).toBe(git(root, 'rev-parse', branch));
  });

  it('a hand edit of the comments file reaches the board; a malformed one raises the banner and keeps the file', async (ctx) => {
    const { expect } = ctx;
    const { client, root, studio } = await startStudioFor(ctx);
    const events = recordEvents(studio.services.bus);
    const { task } = await taskWithBranch(studio, root);
    const file = `${root}/.opencode-studio/comments/${task.id}.json`;
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(
      file,
      JSON.stringify({ comments: [{ id: 'by-hand', path: 'src/app.ts', line: 3, body: 'Typed in vim' }] }),
    );
    const seen = await waitFor(
      () => events.of('comments.updated').find((e) => e.taskId === task.id && e.comments[0]?.id === 'by-hand'),
      'the hand-made comment to arrive',
    );
    expect(seen.comments[0]).toMatchObject({ side: 'new', status: 'open', author: 'person' });
    await fs.writeFile(file, '{"comments": [{"id": "x"}]}');
    await waitFor(async () => (await client.project.info.query()).problems.length === 1, 'the banner');
    expect((await client.project.info.query()).problems[0]?.path).toBe(`.opencode-studio/comments/${task.id}.json`);
    expect(await reasonOf(client.comments.list.query({ id: task.id }))).toBe('invalid-file');
    expect(await fs.readFile(file, 'utf8')).toBe('{"comments": [{"id": "x"}]}');
  });

  it('an AI review that names path:line shows its findings as the AI comments, replaced by the next review', async (ctx) => {
    const { expect } = ctx;
    const { client, root, studio } = await startStudioFor(ctx);
    const { task } = await taskWithBranch(studio, root);
    await client.comments.add.mutate({ id: task.id, path: 'src/app.ts', line: 1, body: 'Mine' });
    await studio.services.store.reviews.write(
      task.id,
      '## Review\n\n- `src/app.ts:3` uses a magic number.\n- README.md:1 is fine.\n- src/app.ts:4-5 repeat each other.\n\nVERDICT: CHANGES_REQUESTED\n',
    );
    await studio.services.comments.idle();
    const ai = (await client.comments.list.query({ id: task.id })).filter((c) => c.author === 'ai');
    expect(ai.map((c) => [c.line, c.endLine, c.body])).toEqual([
      [3, null, '`src/app.ts:3` uses a magic number.'],
      [4, 5, 'src/app.ts:4-5 repeat each other.'],
    ]);
    await studio.services.store.reviews.write(task.id, '## Review\n\nAll good.\n\nVERDICT: APPROVED\n');
    await studio.services.comments.idle();
    expect((await client.comments.list.query({ id: task.id })).map((c) => c.body)).toEqual(['Mine']);
  });
});
