import { spawn } from 'node:child_process';
import { watch as fsWatch, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { StudioEvent } from '../../shared/events.js';
import type { Task } from '../../shared/task.js';
import { removeTempDirs, tempRepo } from '../helpers/temp-repo.js';
import { sleep } from '../helpers/wait.js';
import { HttpStatusError, trpc } from './lib/http.js';
import { measure, rng, seedFromEnv } from './lib/results.js';
import { killStudios, launchStudio, ROOT } from './lib/studio-process.js';
import { readDiskTasks, STUDIO } from './lib/tree.js';
import { subscribeEvents } from './lib/ws-client.js';

afterAll(async () => {
  await killStudios();
  await removeTempDirs();
});

const DURATION_MS = Number(process.env.RELIABILITY_CONTENTION_MS ?? 20_000);
const TASKS = 4;
const now = () => performance.timeOrigin + performance.now();

/** One write of one field by one writer: when it was sent and (if it was) acknowledged. */
type Write = { id: string; value: string | number; sentAt: number; ackedAt: number | null };
/** A hand edit: read the file, change `handNote`, write it back; it carries whatever else it read. */
type HandEdit = { id: string; note: string; readAt: number; wroteAt: number; carried: Task };

describe('concurrent writers: the API, a script and hand edits on the same tasks at once', () => {
  it('every acknowledged change is in the final files, or was overwritten by a hand edit the watcher reported', async () => {
    await measure(
      'Concurrent writers',
      'API (titles, moves) + script process (descriptions) + hand edits on 4 tasks',
      async (m) => {
        const seed = seedFromEnv();
        const random = rng(seed);
        m.figure('seed', seed);
        m.figure('duration s', DURATION_MS / 1000);
        const root = await tempRepo();
        const studio = await launchStudio(root);
        const tasks: Task[] = [];
        for (let i = 0; i < TASKS; i++) tasks.push(await trpc<Task>(studio, 'tasks.create', { title: `shared ${i}` }));
        const ids = tasks.map((t) => t.id);
        const file = (id: string) => path.join(root, STUDIO, 'tasks', `${id}.json`);
        const watcher = subscribeEvents(studio);
        await watcher.ready;
        await sleep(200);

        const titles: Write[] = [];
        const orders: Write[] = [];
        const hand: HandEdit[] = [];
        const refusals: Record<string, number> = {};
        const refuse = (who: string, err: unknown) => {
          if (!(err instanceof HttpStatusError)) throw err;
          const key = `${who} ${err.status}`;
          refusals[key] = (refusals[key] ?? 0) + 1;
        };
        const deadline = Date.now() + DURATION_MS;

        const script = spawn(
          process.execPath,
          [
            '--import',
            'tsx',
            path.join(ROOT, 'test/reliability/fixtures/script-writer.ts'),
            root,
            String(DURATION_MS),
            ids.join(','),
          ],
          { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
        );
        let scriptOut = '';
        let scriptErr = '';
        script.stdout.on('data', (c) => (scriptOut += c));
        script.stderr.on('data', (c) => (scriptErr += c));
        const scriptDone = new Promise<number | null>((resolve) => script.on('exit', resolve));

        const apiTitles = (async () => {
          for (let n = 1; Date.now() < deadline; n++) {
            const id = ids[Math.floor(random() * ids.length)]!;
            const w: Write = { id, value: `api-${n}`, sentAt: now(), ackedAt: null };
            titles.push(w);
            try {
              await trpc(studio, 'tasks.update', { id, title: w.value });
              w.ackedAt = now();
            } catch (err) {
              refuse('API update', err);
            }
          }
        })();
        const apiMoves = (async () => {
          for (let n = 1; Date.now() < deadline; n++) {
            const id = ids[Math.floor(random() * ids.length)]!;
            const w: Write = { id, value: n, sentAt: now(), ackedAt: null };
            orders.push(w);
            try {
              await trpc(studio, 'tasks.move', { id, status: 'todo', order: n });
              w.ackedAt = now();
            } catch (err) {
              refuse('API move', err);
            }
            await sleep(random() * 5);
          }
        })();
        const handEdits = (async () => {
          for (let n = 1; Date.now() < deadline; n++) {
            const id = ids[Math.floor(random() * ids.length)]!;
            // Read, change, write in one synchronous step: the editor's own window is as small as it can be.
            const readAt = now();
            let carried: Task;
            try {
              carried = JSON.parse(readFileSync(file(id), 'utf8')) as Task;
            } catch {
              continue; // caught the studio's file between two states? it renames, so this should not happen
            }
            const note = `hand-${n}`;
            const text = `${JSON.stringify({ ...carried, handNote: note }, null, 2)}\n`;
            if (n % 2) writeFileSync(file(id), text);
            else {
              const swap = path.join(path.dirname(file(id)), `.${id}.json.swp`);
              writeFileSync(swap, text);
              renameSync(swap, file(id));
            }
            hand.push({ id, note, readAt, wroteAt: now(), carried });
            await sleep(5 + random() * 20);
          }
        })();

        await Promise.all([apiTitles, apiMoves, handEdits]);
        const scriptCode = await scriptDone;
        expect(scriptCode, scriptErr).toBe(0);
        const descriptions: Write[] = [];
        for (const line of scriptOut.split('\n').filter((l) => l.startsWith('{'))) {
          const r = JSON.parse(line) as {
            id?: string;
            description?: string;
            sentAt?: number;
            ackedAt?: number;
            status?: number;
            error?: string;
          };
          if (r.id === undefined) continue;
          descriptions.push({ id: r.id, value: r.description!, sentAt: r.sentAt!, ackedAt: r.ackedAt ?? null });
          if (r.error) refusals[`script update ${r.status}`] = (refusals[`script update ${r.status}`] ?? 0) + 1;
        }

        // Let the watcher catch up with the last hand edits, then compare disk, server and events.
        const settled = async () => {
          const disk = readDiskTasks(root);
          const listed = await trpc<Task[]>(studio, 'tasks.list', undefined, 'query');
          return listed.every((t) => JSON.stringify(t) === JSON.stringify(disk.tasks.get(t.id)?.task));
        };
        for (let i = 0; i < 100 && !(await settled()); i++) await sleep(100);
        await sleep(500);

        const disk = readDiskTasks(root);
        const failures: string[] = [];
        const explained: string[] = [];
        for (const b of disk.bad) failures.push(`${b.file}: ${b.reason}`);
        const listed = await trpc<Task[]>(studio, 'tasks.list', undefined, 'query');
        const lastEvent = new Map<string, Task>();
        for (const e of watcher.events as StudioEvent[])
          if (e.type === 'task.updated' || e.type === 'task.created') lastEvent.set(e.task.id, e.task);

        for (const id of ids) {
          const final = disk.tasks.get(id)?.task as (Task & { handNote?: string }) | undefined;
          if (!final) {
            failures.push(`${id}: the file is gone`);
            continue;
          }
          const served = listed.find((t) => t.id === id);
          if (JSON.stringify(served) !== JSON.stringify(final)) failures.push(`${id}: tasks.list differs from the file`);
          if (JSON.stringify(lastEvent.get(id)) !== JSON.stringify(final))
            failures.push(`${id}: the last event a subscriber got differs from the file (${lastEvent.get(id)?.title})`);
          // handNote is written by the hand editor only: if it is not the last one, the studio overwrote a hand edit.
          const lastHand = hand.filter((h) => h.id === id).at(-1);
          if (lastHand && final.handNote !== lastHand.note)
            failures.push(
              `${id}: lost hand edit: the file says handNote ${final.handNote}, the last hand edit wrote ${lastHand.note} (overwritten by a studio write, no conflict reported)`,
            );
          const fields: Array<[string, Write[], (t: Task) => string | number]> = [
            ['title', titles, (t) => t.title],
            ['order', orders, (t) => t.order],
            ['description', descriptions, (t) => t.description],
          ];
          for (const [name, writes, get] of fields) {
            const acked = writes.filter((w) => w.id === id && w.ackedAt !== null);
            const last = acked.at(-1);
            if (!last || get(final) === last.value) continue;
            // A later write that was not acknowledged may have landed (a refusal after the rename); that is not a loss.
            const unacked = writes.filter((w) => w.id === id && w.ackedAt === null && w.sentAt > last.sentAt);
            if (unacked.some((w) => w.value === get(final))) continue;
            // A hand edit that read the file before this write landed and wrote after it carried the old value back in.
            const editor = hand.find(
              (h) => h.id === id && h.readAt < last.ackedAt! && h.wroteAt > last.sentAt && get(h.carried) === get(final),
            );
            if (editor) explained.push(`${id}.${name}`);
            else
              failures.push(
                `${id}: lost acknowledged ${name}: the file says ${JSON.stringify(get(final))}, last acknowledged ${JSON.stringify(last.value)}`,
              );
          }
        }

        const count = (ws: Write[]) => ws.filter((w) => w.ackedAt !== null).length;
        m.runs = count(titles) + count(orders) + count(descriptions) + hand.length;
        m.figure('acknowledged API titles/moves', `${count(titles)}/${count(orders)}`);
        m.figure('acknowledged script descriptions', count(descriptions));
        m.figure('hand edits', hand.length);
        m.figure(
          'refused while a hand edit was half-written (who status: count)',
          Object.entries(refusals)
            .map(([k, v]) => `${k}: ${v}`)
            .join(', ') || 'none',
        );
        m.figure('file.invalid events', watcher.events.filter((e) => e.type === 'file.invalid').length);
        m.figure('values reverted by an editor that saved a stale read', explained.length);
        m.figure('lost updates', failures.filter((f) => f.includes('lost')).length);
        await watcher.close();
        await studio.stop();
        expect(failures).toEqual([]);
        expect(count(titles)).toBeGreaterThan(20);
        expect(count(descriptions)).toBeGreaterThan(20);
      },
    );
  }, 180_000);

  it('regression: a hand edit saved while the studio writes the same task is not silently overwritten', async () => {
    await measure(
      'Concurrent writers',
      'regression: hand edit saved while the studio writes that task (lost update)',
      async (m) => {
        const ROUNDS = 20;
        const root = await tempRepo();
        const studio = await launchStudio(root);
        const task = await trpc<Task>(studio, 'tasks.create', { title: 'race' });
        const dir = path.join(root, STUDIO, 'tasks');
        const file = path.join(dir, `${task.id}.json`);
        const watcher = subscribeEvents(studio);
        await watcher.ready;
        // The studio writes a temp file, fsyncs it, renames it over the task. The moment its temp
        // file appears, a person saves the task by hand: that save lands inside the studio's write.
        let armed: string | null = null;
        const saved: string[] = [];
        const fsw = fsWatch(dir, (_event, name) => {
          if (!armed || !name?.endsWith('.studio-tmp')) return;
          const note = armed;
          armed = null;
          const json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
          writeFileSync(file, `${JSON.stringify({ ...json, handNote: note }, null, 2)}\n`);
          saved.push(note);
        });
        let lost = 0;
        let reported = 0;
        try {
          for (let i = 1; i <= ROUNDS; i++) {
            armed = `hand-${i}`;
            try {
              await trpc(studio, 'tasks.update', { id: task.id, title: `api-${i}` });
            } catch (err) {
              if (!(err instanceof HttpStatusError)) throw err;
            }
            armed = null;
            await sleep(300);
            if (saved.at(-1) !== `hand-${i}`) continue;
            const onDisk = JSON.parse(readFileSync(file, 'utf8')) as { handNote?: string };
            if (onDisk.handNote === `hand-${i}`) continue;
            const conflict = watcher.events.some(
              (e) => e.type.includes('conflict') || (e.type === 'file.invalid' && e.path.includes(task.id)),
            );
            if (conflict) reported++;
            else lost++;
          }
        } finally {
          fsw.close();
        }
        m.runs = ROUNDS;
        m.figure('hand saves inside a studio write', saved.length);
        m.figure('kept', saved.length - lost - reported);
        m.figure('overwritten but reported', reported);
        m.figure('silently lost', lost);
        await watcher.close();
        await studio.stop();
        expect(saved.length).toBeGreaterThan(ROUNDS / 2);
        expect(lost, 'hand edits the studio overwrote without a word').toBe(0);
      },
    );
  }, 120_000);
});
