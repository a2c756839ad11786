import { existsSync, readdirSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { EventBus } from '../../server/events/event-bus.js';
import { StudioStore } from '../../server/store/studio-store.js';
import { CACHE_MIN_TASKS } from '../../server/store/task-cache.js';
import { initWorkspace } from '../../server/store/workspace.js';
import { removeTempDirs, tempDir, tempRepo } from '../helpers/temp-repo.js';
import { waitFor } from '../helpers/wait.js';

const COUNT = CACHE_MIN_TASKS + 100;
let cacheHome = '';
const saved = process.env.XDG_CACHE_HOME;
beforeAll(async () => {
  cacheHome = await tempDir('task-cache-home-');
  process.env.XDG_CACHE_HOME = cacheHome;
});
afterEach(() => {
  vi.useRealTimers();
});
afterAll(async () => {
  process.env.XDG_CACHE_HOME = saved;
  await removeTempDirs();
});

const cacheFolder = () => path.join(cacheHome, 'opencode-studio');
const id = (i: number) => `cached-${String(i).padStart(4, '0')}`;
const taskText = (i: number, title: string) =>
  `${JSON.stringify({ id: id(i), title, status: 'todo', order: i, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z' }, null, 2)}\n`;

/**
 * Files changed within a second before they were read are not trusted (their ctime, which no
 * one can set back): move the clock the cache reads a second on instead of waiting for it.
 */
const realNow = () => performance.timeOrigin + performance.now();

function aSecondLater(): void {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(Date.now() + 1_100);
}

/** A board of `count` task files, written more than a second ago as far as the cache can tell. */
async function board(count = COUNT) {
  const root = await tempRepo();
  const { paths } = await initWorkspace(root, 'main');
  await Promise.all(Array.from({ length: count }, (_, i) => fs.writeFile(paths.task(id(i)), taskText(i, `Task ${i}`))));
  aSecondLater();
  return { root, paths };
}

async function openClose(root: string) {
  const store = await StudioStore.open(root, new EventBus());
  const titles = new Map(store.tasks.list().map((t) => [t.id, t.title]));
  const problems = store.problems.list();
  await store.close();
  return { titles, problems };
}

function cacheFile(): string {
  const files = readdirSync(cacheFolder()).filter((f) => f.endsWith('.json'));
  expect(files).toHaveLength(1);
  return path.join(cacheFolder(), files[0]!);
}

/** Change what the cache says a task's title is, without touching the task file: a way to see whether a start read the file. */
async function tamper(i: number, title: string, change: (data: { key: string }) => void = () => {}) {
  const file = cacheFile();
  const data = JSON.parse(await fs.readFile(file, 'utf8'));
  data.entries[id(i)][5].title = title;
  change(data);
  await fs.writeFile(file, JSON.stringify(data));
}

describe('the start-up task cache of a large board', () => {
  it('a second start takes unchanged files from the cache and reads every file that changed, came or went', async () => {
    await fs.rm(cacheFolder(), { recursive: true, force: true });
    const { root, paths } = await board();
    const first = await openClose(root);
    expect(first.titles.size).toBe(COUNT);
    await tamper(1, 'From the cache');
    await tamper(2, 'Stale in the cache');
    // Task 2 is edited by hand while the studio is down; task 3 is deleted; a new one appears.
    await fs.writeFile(paths.task(id(2)), taskText(2, 'Edited by hand'));
    await fs.rm(paths.task(id(3)));
    await fs.writeFile(paths.task('brand-new'), taskText(COUNT, 'Brand new').replace(id(COUNT), 'brand-new'));
    const second = await openClose(root);
    // The file of task 1 was not read: the cache's title shows (the files stay the truth; this is the proof it was used).
    expect(second.titles.get(id(1))).toBe('From the cache');
    expect(second.titles.get(id(2))).toBe('Edited by hand');
    expect(second.titles.has(id(3))).toBe(false);
    expect(second.titles.get('brand-new')).toBe('Brand new');
    expect(second.titles.get(id(4))).toBe('Task 4');
    expect(second.titles.size).toBe(COUNT);
  });

  it('a file changed within a second before it was read is read again at the next start', async () => {
    await fs.rm(cacheFolder(), { recursive: true, force: true });
    const { root, paths } = await board();
    // The board's files changed at least a few milliseconds before this one (by the real clock, as ctime is)…
    const newest = Math.max(
      ...(await Promise.all(Array.from({ length: COUNT }, (_, i) => fs.stat(paths.task(id(i)))))).map((st) => st.ctimeMs),
    );
    await waitFor(() => realNow() > newest + 3, 'the clock to pass the board’s last write');
    await fs.writeFile(paths.task(id(5)), taskText(5, 'Just saved'));
    // …and the start reads them just under a second after this one: it changed within that second, they did not.
    vi.setSystemTime(Math.floor((await fs.stat(paths.task(id(5)))).ctimeMs) + 999);
    await openClose(root);
    await tamper(5, 'Not to be trusted');
    await tamper(6, 'Trusted');
    const next = await openClose(root);
    expect(next.titles.get(id(5))).toBe('Just saved');
    expect(next.titles.get(id(6))).toBe('Trusted');
  });

  it('a cache from another studio version or schema, or a corrupt one, is ignored: every file is read', async () => {
    await fs.rm(cacheFolder(), { recursive: true, force: true });
    const { root } = await board();
    await openClose(root);
    await tamper(7, 'Another version', (data) => {
      data.key = 'another';
    });
    expect((await openClose(root)).titles.get(id(7))).toBe('Task 7');
    await fs.writeFile(cacheFile(), '{"key": "half-writ');
    const after = await openClose(root);
    expect(after.titles.size).toBe(COUNT);
    expect(after.problems).toEqual([]);
  });

  it('a task the studio changed is left out of the next cache, and a bad file stays a problem at every start', async () => {
    await fs.rm(cacheFolder(), { recursive: true, force: true });
    const { root, paths } = await board();
    await fs.writeFile(paths.task(id(8)), '{ not json');
    aSecondLater();
    const store = await StudioStore.open(root, new EventBus());
    await store.tasks.patch(id(9), { title: 'Changed by the studio' });
    await store.close();
    const data = JSON.parse(await fs.readFile(cacheFile(), 'utf8'));
    expect(data.entries[id(9)]).toBeUndefined();
    expect(data.entries[id(8)]).toBeUndefined();
    expect(data.entries[id(10)]).toBeDefined();
    const next = await openClose(root);
    expect(next.titles.get(id(9))).toBe('Changed by the studio');
    expect(next.problems.map((p) => p.path)).toEqual([path.join('.opencode-studio', 'tasks', `${id(8)}.json`)]);
  });

  it(`a board under ${CACHE_MIN_TASKS} tasks has no cache`, async () => {
    await fs.rm(cacheFolder(), { recursive: true, force: true });
    const { root } = await board(50);
    await openClose(root);
    expect(existsSync(cacheFolder())).toBe(false);
  });
});
