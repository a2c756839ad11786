import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it, type TestContext, vi } from 'vitest';
import { EventBus } from '../../server/events/event-bus.js';
import type { StudioStore } from '../../server/store/studio-store.js';
import { StudioStore as Store } from '../../server/store/studio-store.js';
import { TaskStore } from '../../server/store/task-store.js';
import { initWorkspace } from '../../server/store/workspace.js';
import type { StudioEvent } from '../../shared/events.js';
import { recordEvents } from '../helpers/bus-recorder.js';
import { removeTempDirs, tempRepo } from '../helpers/temp-repo.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { openWatchedStore } from './store-fixture.js';

afterAll(removeTempDirs);

/**
 * A watched store of its own for one test, closed when that test ends. Each test has its own repo
 * and store, so the tests run at once (they mostly wait on the watcher's timers): `describe.concurrent`
 * below, with the test context's `expect` and `onTestFinished`.
 */
async function setup({ onTestFinished }: TestContext) {
  const fx = await openWatchedStore();
  onTestFinished(() => fx.store.close());
  return fx;
}

let barriers = 0;

/**
 * Wait until the watcher has seen everything written so far: a plan written by hand after it
 * reaches the bus (the watcher reports changes in order), then the store's own rechecks end.
 * The barrier's event is taken out of the record.
 */
async function settle(store: StudioStore, rec: ReturnType<typeof recordEvents>) {
  const id = `settle-barrier-${++barriers}`;
  await fs.writeFile(store.paths.plan(id), 'barrier\n');
  const isBarrier = (e: StudioEvent) => e.type === 'plan.updated' && e.taskId === id;
  await waitFor(() => rec.events.some(isBarrier), 'the watcher to catch up');
  rec.events.splice(rec.events.findIndex(isBarrier), 1);
  await store.idle();
}

describe.concurrent('the store writes, the watcher does not echo', () => {
  it('a mutation emits exactly one event and the watcher adds none', async (ctx) => {
    const { expect } = ctx;
    const { store, rec } = await setup(ctx);
    const task = await store.tasks.create({ title: 'One event' });
    await store.tasks.patch(task.id, { status: 'planning' });
    await settle(store, rec);
    expect(rec.events.map((e) => e.type)).toEqual(['task.created', 'task.updated']);
  });

  it('plan and review writes emit one event each', async (ctx) => {
    const { expect } = ctx;
    const { store, rec } = await setup(ctx);
    const task = await store.tasks.create({ title: 'Planned' });
    await store.plans.write(task.id, '# Plan\n');
    await store.reviews.write(task.id, 'ok\nVERDICT: APPROVED');
    await settle(store, rec);
    expect(rec.events.map((e) => e.type)).toEqual(['task.created', 'plan.updated', 'review.updated']);
    expect(await store.reviews.read(task.id)).toBe('ok\nVERDICT: APPROVED\n');
  });
});

describe.concurrent('hand edits reach the bus', () => {
  it('an in-place edit of a task file becomes task.updated with the new title', async (ctx) => {
    const { expect } = ctx;
    const { store, rec, paths } = await setup(ctx);
    const task = await store.tasks.create({ title: 'Before' });
    rec.clear();
    const file = paths.task(task.id);
    const json = JSON.parse(await fs.readFile(file, 'utf8'));
    await fs.writeFile(file, JSON.stringify({ ...json, title: 'After' }, null, 2));
    const ev = await waitFor(() => rec.of('task.updated')[0], 'task.updated');
    expect(ev.task.title).toBe('After');
    expect(store.tasks.get(task.id).title).toBe('After');
    await settle(store, rec);
    expect(rec.events).toHaveLength(1);
  });

  it('an editor-style save (write a temp file, rename over) gives one update and no delete', async (ctx) => {
    const { expect } = ctx;
    const { store, rec, paths } = await setup(ctx);
    const task = await store.tasks.create({ title: 'Vim' });
    rec.clear();
    const file = paths.task(task.id);
    const json = JSON.parse(await fs.readFile(file, 'utf8'));
    const temp = path.join(path.dirname(file), `.${task.id}.json.swp`);
    await fs.writeFile(temp, JSON.stringify({ ...json, title: 'Saved by vim' }, null, 2));
    await fs.rename(temp, file);
    await waitFor(() => rec.of('task.updated')[0], 'task.updated');
    await settle(store, rec);
    expect(rec.events.map((e) => e.type)).toEqual(['task.updated']);
    expect(store.tasks.get(task.id).title).toBe('Saved by vim');
  });

  it('editor save by delete then create gives an update, not delete + create', async (ctx) => {
    const { expect } = ctx;
    const { store, rec, paths } = await setup(ctx);
    const task = await store.tasks.create({ title: 'Nano' });
    rec.clear();
    const file = paths.task(task.id);
    const json = JSON.parse(await fs.readFile(file, 'utf8'));
    await fs.unlink(file);
    await fs.writeFile(file, JSON.stringify({ ...json, title: 'Rewritten' }, null, 2));
    await waitFor(() => rec.of('task.updated')[0], 'task.updated');
    await settle(store, rec);
    expect(rec.events.map((e) => e.type)).toEqual(['task.updated']);
  });

  it('regression: a task file missing at the first look (delete, then a late create) is not reported deleted yet', async (ctx) => {
    const { expect } = ctx;
    const { store, rec, paths } = await setup(ctx);
    const task = await store.tasks.create({ title: 'Slow save' });
    const file = paths.task(task.id);
    const text = await fs.readFile(file, 'utf8');
    await store.close(); // no watcher: this test drives the looks itself
    rec.clear();
    await fs.unlink(file);
    // A busy machine: the editor's create has not landed when the watcher first looks.
    expect(await store.tasks.sync(task.id, false)).toBe('retry');
    expect(rec.events).toEqual([]);
    await fs.writeFile(file, text.replace('Slow save', 'Saved late'));
    expect(await store.tasks.sync(task.id, true)).toBe('changed');
    expect(rec.events.map((e) => e.type)).toEqual(['task.updated']);
    // Still missing at the final look: now it is gone.
    await fs.unlink(file);
    expect(await store.tasks.sync(task.id, true)).toBe('changed');
    expect(rec.events.map((e) => e.type)).toEqual(['task.updated', 'task.deleted']);
  });

  it('a new file becomes task.created, a removed one task.deleted, plans and config too', async (ctx) => {
    const { expect } = ctx;
    const { store, rec, paths } = await setup(ctx);
    await fs.writeFile(paths.task('by-hand'), JSON.stringify({ title: 'By hand', status: 'todo' }));
    const created = await waitFor(() => rec.of('task.created')[0], 'task.created');
    expect(created.task).toMatchObject({ id: 'by-hand', title: 'By hand' });
    await fs.writeFile(paths.plan('by-hand'), '# my plan\n');
    expect((await waitFor(() => rec.of('plan.updated')[0], 'plan.updated')).markdown).toBe('# my plan\n');
    await fs.writeFile(paths.config, JSON.stringify({ version: 1, baseBranch: 'trunk' }));
    expect((await waitFor(() => rec.of('config.updated')[0], 'config.updated')).config.baseBranch).toBe('trunk');
    await fs.unlink(paths.task('by-hand'));
    expect((await waitFor(() => rec.of('task.deleted')[0], 'task.deleted')).taskId).toBe('by-hand');
    expect(store.tasks.find('by-hand')).toBeUndefined();
  });

  it('touching a file without changing it emits nothing', async (ctx) => {
    const { expect } = ctx;
    const { store, rec, paths } = await setup(ctx);
    const task = await store.tasks.create({ title: 'Untouched' });
    rec.clear();
    const file = paths.task(task.id);
    await fs.writeFile(file, await fs.readFile(file, 'utf8'));
    await settle(store, rec);
    expect(rec.events).toEqual([]);
  });

  it('a 500-file burst (like git checkout) ends in the right state with one event per file', async (ctx) => {
    const { expect } = ctx;
    const { store, rec, paths } = await setup(ctx);
    const now = new Date().toISOString();
    await Promise.all(
      Array.from({ length: 500 }, (_, i) =>
        fs.writeFile(
          paths.task(`burst-${i}`),
          JSON.stringify({ id: `burst-${i}`, title: `Burst ${i}`, status: 'todo', order: i, createdAt: now, updatedAt: now }),
        ),
      ),
    );
    await waitFor(() => store.tasks.size === 500, '500 tasks', 30_000);
    await settle(store, rec);
    expect(rec.of('task.created')).toHaveLength(500);
    expect(rec.events).toHaveLength(500);
    await Promise.all(Array.from({ length: 500 }, (_, i) => fs.unlink(paths.task(`burst-${i}`))));
    await waitFor(() => store.tasks.size === 0, 'all deleted', 30_000);
    await settle(store, rec);
    expect(rec.of('task.deleted')).toHaveLength(500);
  });
});

describe.concurrent('malformed hand edits', () => {
  // it.for, not it.each: it hands the test its context (the concurrent `expect` and `onTestFinished`).
  it.for<[string, string | Record<string, unknown>, RegExp]>([
    ['bad JSON', '{ "title": ', /not valid JSON/],
    ['a wrong status', { status: 'doing' }, /status/],
    ['a missing title', { title: undefined }, /title/],
  ])(
    '%s: file.invalid with a reason, last good task kept, file untouched; fixing it brings the task back',
    async ([_name, edit, reason], ctx) => {
      const { expect } = ctx;
      const { store, rec, paths } = await setup(ctx);
      const task = await store.tasks.create({ title: 'Good' });
      rec.clear();
      const file = paths.task(task.id);
      const good = await fs.readFile(file, 'utf8');
      const bad = typeof edit === 'string' ? edit : JSON.stringify({ ...JSON.parse(good), ...edit }, null, 2);
      await fs.writeFile(file, bad);
      const invalid = await waitFor(() => rec.of('file.invalid')[0], 'file.invalid');
      expect(invalid.path).toBe(`.opencode-studio/tasks/${task.id}.json`);
      expect(invalid.reason).toMatch(reason);
      expect(store.tasks.get(task.id).title).toBe('Good');
      expect(store.problems.list()).toHaveLength(1);
      await settle(store, rec);
      expect(await fs.readFile(file, 'utf8')).toBe(bad);
      await expect(store.tasks.patch(task.id, { title: 'x' })).rejects.toThrow(/malformed.*fix the file/);
      expect(await fs.readFile(file, 'utf8')).toBe(bad);
      await fs.writeFile(file, JSON.stringify({ ...JSON.parse(good), title: 'Fixed' }, null, 2));
      const updated = await waitFor(() => rec.of('task.updated')[0], 'task.updated');
      expect(updated.task.title).toBe('Fixed');
      expect(rec.of('file.recovered')).toHaveLength(1);
      expect(store.problems.list()).toEqual([]);
    },
  );

  it('a half-written file that is completed quickly gives no file.invalid', async (ctx) => {
    const { expect } = ctx;
    const { store, rec, paths } = await setup(ctx);
    const task = await store.tasks.create({ title: 'Partial' });
    rec.clear();
    const file = paths.task(task.id);
    const full = JSON.stringify({ ...JSON.parse(await fs.readFile(file, 'utf8')), title: 'Complete' }, null, 2);
    const handle = await fs.open(file, 'w');
    await handle.write(full.slice(0, 40));
    await sleep(30);
    await handle.write(full.slice(40));
    await handle.close();
    await waitFor(() => rec.of('task.updated')[0], 'task.updated');
    await settle(store, rec);
    expect(rec.events.map((e) => e.type)).toEqual(['task.updated']);
  });

  it('an invalid config.json is reported and the last good config stays', async (ctx) => {
    const { expect } = ctx;
    const { store, rec, paths } = await setup(ctx);
    await fs.writeFile(paths.config, '{"maxParallel": 0}');
    const invalid = await waitFor(() => rec.of('file.invalid')[0], 'file.invalid');
    expect(invalid.reason).toMatch(/maxParallel/);
    expect(store.config.get().maxParallel).toBe(3);
  });
});

describe.concurrent('mutations and hand edits at once', () => {
  it('a mutation applies to the latest disk state: the hand edit and the mutation both survive', async (ctx) => {
    const { expect } = ctx;
    const { store, rec, paths } = await setup(ctx);
    const task = await store.tasks.create({ title: 'Shared' });
    const file = paths.task(task.id);
    const json = JSON.parse(await fs.readFile(file, 'utf8'));
    await fs.writeFile(file, JSON.stringify({ ...json, description: 'edited by hand', custom: 1 }, null, 2));
    const after = await store.tasks.patch(task.id, { status: 'planning' });
    expect(after).toMatchObject({ description: 'edited by hand', status: 'planning' });
    await settle(store, rec);
    const onDisk = JSON.parse(await fs.readFile(file, 'utf8'));
    expect(onDisk).toMatchObject({ description: 'edited by hand', status: 'planning', custom: 1 });
    expect(store.tasks.get(task.id)).toMatchObject({ description: 'edited by hand', status: 'planning' });
  });

  it('many concurrent mutations on one task all land', async (ctx) => {
    const { expect } = ctx;
    const { store } = await setup(ctx);
    const task = await store.tasks.create({ title: 'Counter' });
    await Promise.all(
      Array.from({ length: 30 }, (_, i) => store.tasks.update(task.id, (t) => ({ labels: [...t.labels, `l${i}`] }))),
    );
    expect(store.tasks.get(task.id).labels).toHaveLength(30);
    expect((await store.tasks.readParsed(task.id))?.labels).toHaveLength(30);
  });
});

describe.concurrent('regression: a hand edit right after the studio wrote the same file was lost', () => {
  it('task files: the edit lands in the store every time', async (ctx) => {
    const { store, paths } = await setup(ctx);
    const task = await store.tasks.create({ title: 'Race' });
    const file = paths.task(task.id);
    for (let i = 0; i < 10; i++) {
      const written = await store.tasks.patch(task.id, { description: `by the studio ${i}` });
      await sleep(i * 2);
      await fs.writeFile(file, JSON.stringify({ ...written, title: `by hand ${i}` }, null, 2));
      await waitFor(() => store.tasks.get(task.id).title === `by hand ${i}`, `hand edit ${i} to be seen`, 3_000);
    }
  });

  it('config.json: the edit lands in the store', async (ctx) => {
    const { store, paths } = await setup(ctx);
    for (let i = 0; i < 3; i++) {
      await store.config.update({ maxParallel: 5 });
      await fs.writeFile(paths.config, JSON.stringify({ version: 1, baseBranch: 'main', maxParallel: 7 + i }));
      await waitFor(() => store.config.get().maxParallel === 7 + i, `config edit ${i} to be seen`, 3_000);
    }
  });
});

describe('the watcher is up before the files are read', () => {
  it('a change made while the tasks load is picked up once the load is done', async ({ onTestFinished }) => {
    const root = await tempRepo();
    const { paths } = await initWorkspace(root, 'main');
    const now = new Date().toISOString();
    const task = (id: string, title: string) =>
      JSON.stringify({ id, title, status: 'todo', order: 0, createdAt: now, updatedAt: now });
    await Promise.all(
      Array.from({ length: 2000 }, (_, i) => fs.writeFile(paths.task(`bulk-${i}`), task(`bulk-${i}`, `Bulk ${i}`))),
    );
    // The edits land once the load has read every file and before the store is handed out.
    const load = TaskStore.prototype.load;
    const during = vi.spyOn(TaskStore.prototype, 'load').mockImplementation(async function (this: TaskStore) {
      await load.call(this);
      await fs.writeFile(paths.task('bulk-7'), task('bulk-7', 'Changed during the load'));
      await fs.unlink(paths.task('bulk-8'));
      await fs.writeFile(paths.task('new-one'), JSON.stringify({ title: 'Added during the load', status: 'todo' }));
    });
    const bus = new EventBus();
    const rec = recordEvents(bus);
    const store = await Store.open(root, bus, { watch: true }).finally(() => during.mockRestore());
    onTestFinished(() => store.close());
    await waitFor(() => store.tasks.find('bulk-7')?.title === 'Changed during the load', 'the edit');
    await waitFor(() => !store.tasks.find('bulk-8') && store.tasks.find('new-one'), 'the delete and the add');
    expect(rec.of('task.updated').map((e) => e.task.id)).toEqual(['bulk-7']);
  });
});
