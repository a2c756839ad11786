import fs from 'node:fs/promises';
import type { TRPCClientError } from '@trpc/client';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { failureOf } from '../helpers/failure.js';
import { startStudio, stopStudios } from '../helpers/studio.js';
import { removeTempDirs } from '../helpers/temp-repo.js';
import { waitFor } from '../helpers/wait.js';

afterEach(stopStudios);
afterAll(removeTempDirs);

describe('tRPC procedures over HTTP', () => {
  it('health, project.info, config.get and config.update', async () => {
    const { client, root } = await startStudio();
    expect(await client.health.query()).toMatchObject({ ok: true, version: expect.any(String) });
    const info = await client.project.info.query();
    expect(info).toMatchObject({ root, branch: 'main', baseBranch: 'main', problems: [], demo: false });
    expect(info.opencode.state).toBe('unavailable');
    expect(await client.config.get.query()).toMatchObject({ maxParallel: 3 });
    const updated = await client.config.update.mutate({ maxParallel: 5, models: { review: 'anthropic/claude' } });
    expect(updated).toMatchObject({ maxParallel: 5, models: { planning: null, review: 'anthropic/claude' } });
    const onDisk = JSON.parse(await fs.readFile(`${root}/.opencode-studio/config.json`, 'utf8'));
    expect(onDisk.maxParallel).toBe(5);
    expect(await failureOf(client.config.update.mutate({ maxParallel: 0 }))).toMatch(/^BAD_REQUEST: maxParallel/);
  });

  it('tasks: create, list (sorted, filtered), get, update, move, delete', async () => {
    const { client, root } = await startStudio();
    const a = await client.tasks.create.mutate({ title: 'First', description: 'do *it*' });
    const b = await client.tasks.create.mutate({ title: 'Second', labels: ['ui'] });
    expect(a).toMatchObject({ status: 'todo', title: 'First', description: 'do *it*' });
    expect(b.order).toBeGreaterThan(a.order);
    expect(await fs.readFile(`${root}/.opencode-studio/tasks/${a.id}.json`, 'utf8')).toContain('"title": "First"');
    expect((await client.tasks.list.query()).map((t) => t.id)).toEqual([a.id, b.id]);
    await client.tasks.move.mutate({ id: b.id, status: 'todo', order: a.order - 1 });
    expect((await client.tasks.list.query({ status: 'todo' })).map((t) => t.id)).toEqual([b.id, a.id]);
    expect(await client.tasks.list.query({ status: 'done' })).toEqual([]);
    await client.plans.update.mutate({ id: a.id, markdown: '# Plan' });
    expect(await client.tasks.get.query({ id: a.id })).toMatchObject({ task: { id: a.id }, plan: '# Plan\n', review: null });
    expect(await client.tasks.update.mutate({ id: a.id, title: 'Renamed' })).toMatchObject({ title: 'Renamed' });
    await client.tasks.delete.mutate({ id: a.id });
    expect(await failureOf(client.tasks.get.query({ id: a.id }))).toMatch(/^NOT_FOUND/);
    await expect(fs.access(`${root}/.opencode-studio/plans/${a.id}.md`)).rejects.toThrow();
  });

  it('error codes: NOT_FOUND, BAD_REQUEST with the zod message, PRECONDITION_FAILED for lifecycle refusals; no stack traces', async () => {
    const { client } = await startStudio();
    expect(await failureOf(client.tasks.get.query({ id: 'no-such-task' }))).toMatch(/^NOT_FOUND: no task "no-such-task"/);
    expect(await failureOf(client.tasks.get.query({ id: '../etc/passwd' }))).toMatch(/^BAD_REQUEST: id: a task id is/);
    expect(await failureOf(client.tasks.create.mutate({ title: '   ' }))).toMatch(/^BAD_REQUEST: title: title must not be empty/);
    const t = await client.tasks.create.mutate({ title: 'Move me' });
    const refusal = await failureOf(client.tasks.move.mutate({ id: t.id, status: 'done' }));
    expect(refusal).toMatch(/^PRECONDITION_FAILED: cannot move "Move me": only a task in Review can be merged/);
    expect(await failureOf(client.tasks.move.mutate({ id: t.id, status: 'review' }))).toMatch(
      /^PRECONDITION_FAILED: .*agent moves tasks/,
    );
    expect(await failureOf(client.tasks.start.mutate({ id: t.id }))).toMatch(/^PRECONDITION_FAILED/);
    try {
      await client.tasks.get.query({ id: 'no-such-task' });
    } catch (err) {
      expect(JSON.stringify((err as TRPCClientError<never>).shape)).not.toMatch(/stack|\.ts:\d+/);
    }
  });

  it('a task with a malformed file refuses mutations with a readable reason and project.info lists the problem', async () => {
    const { client, root, studio } = await startStudio();
    const t = await client.tasks.create.mutate({ title: 'Breakable' });
    await fs.writeFile(`${root}/.opencode-studio/tasks/${t.id}.json`, '{"title": ');
    await waitFor(async () => (await client.project.info.query()).problems.length === 1, 'the problem to show');
    expect(await failureOf(client.tasks.update.mutate({ id: t.id, title: 'x' }))).toMatch(
      /^PRECONDITION_FAILED: .*malformed.*fix the file/,
    );
    expect(studio.services.store.tasks.get(t.id).title).toBe('Breakable');
  });
});
