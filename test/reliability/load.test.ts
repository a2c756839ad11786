import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { StudioEvent } from '../../shared/events.js';
import type { Task } from '../../shared/task.js';
import { removeTempDirs, tempRepo } from '../helpers/temp-repo.js';
import { sleep } from '../helpers/wait.js';
import { trpc } from './lib/http.js';
import { measure, percentile, rng, seedFromEnv } from './lib/results.js';
import { killStudios, launchStudio } from './lib/studio-process.js';
import { STUDIO } from './lib/tree.js';
import { type EventClient, subscribeEvents } from './lib/ws-client.js';

afterAll(async () => {
  await killStudios();
  await removeTempDirs();
});

const SOAK_MS = Number(process.env.RELIABILITY_SOAK_MS ?? 300_000);
const CLIENTS = Number(process.env.RELIABILITY_SOAK_CLIENTS ?? 50);
const OPS_PER_SECOND = 10;
const MAX_TASKS = 150;
const RSS_GROWTH_LIMIT = 0.3;
const MAX_BYTES_PER_EVENT = 8_000;

/** What one board saw: event ids in order of arrival, and when each task.created arrived. */
type Seen = { ids: string[]; createdAt: Map<string, number> };

describe(`load: ${CLIENTS} browser-like WebSocket clients while tasks are created, moved and hand-edited`, () => {
  it(
    `every client gets every event, in order, once; memory stays flat (${SOAK_MS / 1000} s)`,
    async () => {
      await measure(
        'Load',
        `${CLIENTS} WebSocket boards for ${Math.round(SOAK_MS / 1000)} s, ${OPS_PER_SECOND} changes/s`,
        async (m) => {
          const seed = seedFromEnv();
          const random = rng(seed);
          const root = await tempRepo();
          const studio = await launchStudio(root, { inspect: true });
          const seen: Seen[] = [];
          const clients: EventClient[] = [];
          for (let c = 0; c < CLIENTS; c++) {
            const s: Seen = { ids: [], createdAt: new Map() };
            seen.push(s);
            clients.push(
              subscribeEvents(studio, {
                keep: false,
                onEvent: (e: StudioEvent) => {
                  s.ids.push(e.id);
                  if (e.type === 'task.created') s.createdAt.set(e.task.id, performance.now());
                },
              }),
            );
          }
          await Promise.all(clients.map((c) => c.ready));
          // A board loads the list when it opens.
          await Promise.all(clients.map((c) => c.trpc.tasks.list.query()));
          await sleep(500);
          // Where this run's events start: a resume from an unknown id answers with a resync carrying the last id.
          const probe = subscribeEvents(studio, { lastEventId: 'unknown-0' });
          await probe.ready;
          for (let i = 0; i < 100 && probe.events.length === 0; i++) await sleep(50);
          const [epoch, baselineSeq] = (probe.events[0]?.id ?? 'none-0').split('-');
          const baseline = Number(baselineSeq);
          await probe.close();

          const rss: Array<{ at: number; kb: number }> = [];
          const t0 = performance.now();
          const sampler = setInterval(() => {
            const kb = studio.rssKb();
            if (kb) rss.push({ at: performance.now() - t0, kb });
          }, 2_000);
          // The used heap right after a full GC, once warmed up and at the end: what a leak would grow.
          const warmAt = Math.min(30_000, SOAK_MS / 5);
          let heapStart = 0;
          let eventsAtHeapStart = 0;
          const heapTimer = setTimeout(() => {
            eventsAtHeapStart = seen[0]!.ids.length;
            void studio.heapAfterGc().then((bytes) => (heapStart = bytes));
          }, warmAt);

          // Half the tasks are moved through the API, the other half edited by hand: a hand edit and a
          // studio write on the same file within a few milliseconds would merge into one event.
          const live: Array<Task & { by: 'api' | 'hand' }> = [];
          const ackedCreate = new Map<string, number>();
          const counts = { create: 0, move: 0, hand: 0, delete: 0, refused: 0 };
          let serial = 0;
          const deadline = Date.now() + SOAK_MS;
          const tick = 1000 / OPS_PER_SECOND;
          let next = performance.now();
          while (Date.now() < deadline) {
            const r = random();
            serial++;
            try {
              if (live.length < 4 || (r < 0.25 && live.length < MAX_TASKS)) {
                const sentAt = performance.now();
                const task = await trpc<Task>(studio, 'tasks.create', { title: `load ${serial}` });
                ackedCreate.set(task.id, sentAt);
                live.push({ ...task, by: counts.create % 2 === 0 ? 'api' : 'hand' });
                counts.create++;
              } else if (r < 0.25) {
                const [gone] = live.splice(Math.floor(random() * live.length), 1);
                await trpc(studio, 'tasks.delete', { id: gone!.id });
                counts.delete++;
              } else if (r < 0.62) {
                const mine = live.filter((t) => t.by === 'api');
                const task = mine[Math.floor(random() * mine.length)]!;
                await trpc(studio, 'tasks.move', { id: task.id, status: 'todo', order: serial + 0.5 });
                counts.move++;
              } else {
                const mine = live.filter((t) => t.by === 'hand');
                const task = mine[Math.floor(random() * mine.length)]!;
                const file = path.join(root, STUDIO, 'tasks', `${task.id}.json`);
                const json = JSON.parse(readFileSync(file, 'utf8')) as Task;
                writeFileSync(file, `${JSON.stringify({ ...json, title: `hand ${serial}` }, null, 2)}\n`);
                counts.hand++;
              }
            } catch {
              counts.refused++;
            }
            next += tick;
            const wait = next - performance.now();
            if (wait > 0) await sleep(wait);
            else next = performance.now();
          }
          const expected = counts.create + counts.move + counts.hand + counts.delete;

          // The server's own count: a fresh subscriber replays everything from the first event of this run.
          await sleep(2_000);
          const tail = subscribeEvents(studio, { lastEventId: `${epoch}-${baseline}` });
          await tail.ready;
          for (let last = -1; tail.events.length !== last; ) {
            last = tail.events.length;
            await sleep(1_000);
          }
          const fromStart = tail.events.slice();
          await tail.close();
          const serverIds = fromStart.map((e) => e.id);
          const serverCount = serverIds.length;
          clearInterval(sampler);
          clearTimeout(heapTimer);
          // Measure once every board has everything: messages still queued for a slow board are not a leak.
          // What each board got of this run: the studio's own events from before the baseline (OpenCode's
          // status, which it reports once it listens) are not part of it.
          const ofRun = (s: Seen) => s.ids.filter((id) => id.split('-')[0] !== epoch || Number(id.split('-')[1]) > baseline);
          for (let i = 0; i < 100 && seen.some((s) => ofRun(s).length < serverCount); i++) await sleep(100);
          const heapEnd = await studio.heapAfterGc();
          const endRss = studio.rssKb() ?? 0;
          rss.push({ at: performance.now() - t0, kb: endRss });

          const problems: string[] = [];
          const expectedIds = Array.from({ length: serverCount }, (_, i) => `${epoch}-${baseline + i + 1}`);
          if (serverIds.join() !== expectedIds.join()) problems.push('the server replay is not a contiguous run of ids');
          // One event per change is the design; the surplus has its own regression test below.
          if (serverCount < expected)
            problems.push(`the server emitted ${serverCount} events for ${expected} changes (${JSON.stringify(counts)})`);
          let lost = 0;
          let duplicated = 0;
          let reordered = 0;
          seen.forEach((s, c) => {
            const ids = ofRun(s);
            const unique = new Set(ids);
            duplicated += ids.length - unique.size;
            lost += serverIds.filter((id) => !unique.has(id)).length;
            for (let i = 1; i < s.ids.length; i++) {
              const a = Number(s.ids[i - 1]!.split('-')[1]);
              const b = Number(s.ids[i]!.split('-')[1]);
              if (b <= a) reordered++;
            }
            if (ids.length !== serverCount && problems.length < 5)
              problems.push(`client ${c} got ${ids.length} of ${serverCount} events`);
          });
          const latencies: number[] = [];
          for (const s of seen)
            for (const [id, at] of s.createdAt) {
              const acked = ackedCreate.get(id);
              if (acked !== undefined) latencies.push(at - acked);
            }
          const connections = clients.reduce((a, c) => a + c.connections(), 0);
          await Promise.all(clients.map((c) => c.close()));
          await studio.stop();

          const warm = rss.find((r) => r.at >= warmAt) ?? rss[0]!;
          const maxRss = Math.max(...rss.map((r) => r.kb));
          const growth = (endRss - warm.kb) / warm.kb;
          const heapGrowth = heapStart ? (heapEnd - heapStart) / heapStart : 0;
          const perEvent = (heapEnd - heapStart) / Math.max(1, serverCount - eventsAtHeapStart);
          const quarter = (q: number) => rss[Math.min(rss.length - 1, Math.floor((q * rss.length) / 4))]!.kb / 1024;
          m.runs = expected;
          m.figure('seed', seed);
          m.figure('clients', CLIENTS);
          m.figure(
            'changes: creates/moves/hand edits/deletes',
            `${counts.create}/${counts.move}/${counts.hand}/${counts.delete}`,
          );
          m.figure('refused changes', counts.refused);
          m.figure('events (server) / changes', `${serverCount} / ${expected}`);
          m.figure(
            'events delivered',
            seen.reduce((a, s) => a + s.ids.length, 0),
          );
          m.figure('lost/duplicated/out of order', `${lost}/${duplicated}/${reordered}`);
          m.figure('WebSocket connections opened (reconnects)', `${connections} (${connections - CLIENTS})`);
          m.figure(
            'create sent -> event at every board, ms p50/p99/max',
            `${Math.round(percentile(latencies, 50))}/${Math.round(percentile(latencies, 99))}/${Math.round(Math.max(0, ...latencies))}`,
          );
          m.figure(
            'RSS MB after warm-up/end/max',
            `${(warm.kb / 1024).toFixed(0)}/${(endRss / 1024).toFixed(0)}/${(maxRss / 1024).toFixed(0)}`,
          );
          m.figure('RSS MB at 1/4, 2/4, 3/4', [1, 2, 3].map((q) => quarter(q).toFixed(0)).join('/'));
          m.figure('RSS growth', `${(growth * 100).toFixed(1)}%${growth > RSS_GROWTH_LIMIT ? ' (FLAG: over 30%)' : ''}`);
          m.figure('heap after GC MB start/end', `${(heapStart / 2 ** 20).toFixed(1)}/${(heapEnd / 2 ** 20).toFixed(1)}`);
          m.figure('heap growth', `${(heapGrowth * 100).toFixed(1)}% (${Math.round(perEvent)} bytes per event)`);
          expect(problems).toEqual([]);
          expect({ lost, duplicated, reordered }).toEqual({ lost: 0, duplicated: 0, reordered: 0 });
          expect(counts.refused).toBe(0);
          expect(heapStart, 'the heap was measured after the warm-up').toBeGreaterThan(0);
          // RSS is flagged above; the failure is for what a leak grows: the live heap after a full GC. The bus
          // keeps its last 10,000 events for replay (a few KB each, task included), so the heap may grow by that
          // much and then stays flat; more than 8 KB per event is something else holding on to events.
          expect(perEvent, `the heap after GC grew from ${heapStart} to ${heapEnd} bytes`).toBeLessThan(MAX_BYTES_PER_EVENT);
        },
      );
    },
    SOAK_MS + 300_000,
  );

  it('regression: deleting a task that never had a plan or a review emits one event, not three', async () => {
    await measure('Load', 'regression: events emitted by one delete (spurious plan/review.updated)', async (m) => {
      const root = await tempRepo();
      const studio = await launchStudio(root);
      const board = subscribeEvents(studio);
      await board.ready;
      await sleep(300);
      const task = await trpc<Task>(studio, 'tasks.create', { title: 'short-lived' });
      await sleep(500);
      const before = board.events.length;
      await trpc(studio, 'tasks.delete', { id: task.id });
      await sleep(1_500);
      // Events about this task only: the studio's own upkeep (a warm spare made ready) may go by meanwhile.
      const types = board.events
        .slice(before)
        .filter((e) => JSON.stringify(e).includes(task.id))
        .map((e) => e.type);
      m.figure('events for one delete', types.join(', '));
      await board.close();
      await studio.stop();
      expect(types).toEqual(['task.deleted']);
    });
  }, 60_000);

  it('regression: the heap after GC does not grow with every event delivered to a subscriber', async () => {
    await measure('Load', 'regression: memory retained per event with 200 subscribers (Promise.race leak)', async (m) => {
      // The leak this guards against grows with subscribers x events (it was ~250 bytes each); the
      // replay buffer grows with events only (about 1 KB each here). Many subscribers keep the two
      // apart. A failure here once came from an unsettled first heap reading (see heapAfterGc).
      const SUBSCRIBERS = 200;
      const EVENTS = 1_500;
      const MAX_BYTES_KEPT_PER_EVENT = 20_000;
      const root = await tempRepo();
      const studio = await launchStudio(root, { inspect: true });
      const received = new Array<number>(SUBSCRIBERS).fill(0);
      const boards = Array.from({ length: SUBSCRIBERS }, (_, i) =>
        subscribeEvents(studio, { keep: false, onEvent: () => received[i]!++ }),
      );
      await Promise.all(boards.map((b) => b.ready));
      // Heap is measured once every board got every event: what is still queued for a board is not a leak.
      const delivered = async (n: number) => {
        for (let i = 0; i < 300 && received.some((r) => r < n); i++) await sleep(100);
        expect(received.filter((r) => r < n).length, 'boards still behind after 30 s').toBe(0);
      };
      const task = await trpc<Task>(studio, 'tasks.create', { title: 'moved a lot' });
      for (let i = 0; i < 200; i++) await trpc(studio, 'tasks.move', { id: task.id, status: 'todo', order: i + 0.5 });
      await delivered(201);
      const before = await studio.heapAfterGc();
      for (let i = 0; i < EVENTS; i++) {
        await trpc(studio, 'tasks.move', { id: task.id, status: 'todo', order: 1_000 + i + 0.5 });
        await sleep(10);
      }
      await delivered(201 + EVENTS);
      const after = await studio.heapAfterGc();
      const perEvent = (after - before) / EVENTS;
      m.runs = EVENTS;
      m.figure('heap after GC MB before/after', `${(before / 2 ** 20).toFixed(1)}/${(after / 2 ** 20).toFixed(1)}`);
      m.figure('bytes kept per event', Math.round(perEvent));
      await Promise.all(boards.map((b) => b.close()));
      await studio.stop();
      // The bus keeps its last 10,000 events (a few KB each); anything well above that is a leak.
      expect(perEvent).toBeLessThan(MAX_BYTES_KEPT_PER_EVENT);
    });
  }, 180_000);
});
