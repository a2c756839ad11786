/**
 * What a `tasks.create` costs inside the store at N tasks, with and without the chokidar
 * watcher running, and what the sort behind `list('todo')` (run by every create) costs.
 * Usage: tsx bench/probes/create-profile.ts <repo> <creates>; prints one JSON line. The tasks it
 * creates are deleted again at the end, so the repo is left as it was.
 */
import { distUrl } from '../lib/probe.js';

const root = process.argv[2];
const count = Number(process.argv[3] ?? 60);
if (!root) throw new Error('usage: create-profile <repo> [creates]');

const { StudioStore } = (await import(
  distUrl('server/store/studio-store.js')
)) as typeof import('../../server/store/studio-store.js');
const { EventBus } = (await import(distUrl('server/events/event-bus.js'))) as typeof import('../../server/events/event-bus.js');

const store = await StudioStore.open(root, new EventBus());
const tasks = store.tasks.size;

const made: string[] = [];

async function creates(tag: string): Promise<number> {
  const t = performance.now();
  for (let i = 0; i < count; i++) made.push((await store.tasks.create({ title: `Probe ${tag} ${i}` })).id);
  // Whatever the watcher does after the writes is part of what a create costs the server.
  await store.idle();
  return (performance.now() - t) / count;
}

await creates('warm-up');
const withoutWatcherMs = await creates('no-watcher');
await store.watch();
await new Promise((r) => setTimeout(r, 200));
const withWatcherMs = await creates('watcher');

// The sort `list()` redoes after every change (create calls list('todo') to find the next order).
const sample = store.tasks.list();
const sortMs = (() => {
  const t = performance.now();
  for (let i = 0; i < 10; i++) [...sample].sort((a, b) => a.order - b.order || a.createdAt.localeCompare(b.createdAt));
  return (performance.now() - t) / 10;
})();
for (const id of made) await store.deleteTask(id);
await store.idle();
await store.close();
process.stdout.write(`${JSON.stringify({ tasks, creates: count, withoutWatcherMs, withWatcherMs, sortMs })}\n`);
