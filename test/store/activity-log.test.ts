import fs from 'node:fs/promises';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { EventBus } from '../../server/events/event-bus.js';
import { ActivityLog } from '../../server/store/activity-log.js';
import type { StudioStore } from '../../server/store/studio-store.js';
import { initWorkspace } from '../../server/store/workspace.js';
import type { ActivityEntry } from '../../shared/activity.js';
import { collapseActivity } from '../../shared/activity-rows.js';
import { removeTempDirs, tempDir, tempRepo } from '../helpers/temp-repo.js';
import { openWatchedStore } from './store-fixture.js';

const opened: StudioStore[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});
afterAll(removeTempDirs);

describe('the activity log', () => {
  it('is one per store, so two writers at once keep every entry, in each writer’s order, and a read sees every append before it', async () => {
    const { store } = await openWatchedStore();
    opened.push(store);
    const id = 'shared-abc123';
    // Large entries: each append takes a while, so unserialised writers and readers would overlap.
    const note = (text: string): ActivityEntry => ({
      kind: 'note',
      at: new Date().toISOString(),
      text: `${text} ${'x'.repeat(50_000)}`,
    });
    // What the phases and the dependency service write through: the store's log, not one of their own.
    const logOf = { A: store.activity, B: store.activity };
    const appended = { A: 0, B: 0 };
    const writer = async (name: 'A' | 'B') => {
      const other = name === 'A' ? 'B' : 'A';
      for (let i = 0; i < 30; i++) {
        logOf[name].append(id, note(`${name}${i}`));
        appended[name]++;
        // The other writer reads at once: it sees this append and every one before it.
        const before = appended.A + appended.B;
        expect((await logOf[other].read(id)).length).toBeGreaterThanOrEqual(before);
      }
    };
    await Promise.all([writer('A'), writer('B')]);
    const all = (await store.activity.read(id)).map((e) => (e.kind === 'note' ? e.text.split(' ')[0]! : e.kind));
    expect(all).toHaveLength(60);
    expect(all.filter((t) => t.startsWith('A'))).toEqual([...Array(30).keys()].map((i) => `A${i}`));
    expect(all.filter((t) => t.startsWith('B'))).toEqual([...Array(30).keys()].map((i) => `B${i}`));
  });

  it('a remove waits for the appends before it, and an append after it starts a new log', async () => {
    const { store } = await openWatchedStore();
    opened.push(store);
    const note = (text: string): ActivityEntry => ({ kind: 'note', at: new Date().toISOString(), text });
    for (let i = 0; i < 20; i++) store.activity.append('gone-abc123', note(`before ${i}`));
    void store.activity.remove('gone-abc123');
    store.activity.append('gone-abc123', note('after'));
    expect((await store.activity.read('gone-abc123')).map((e) => (e.kind === 'note' ? e.text : e.kind))).toEqual(['after']);
  });

  const entry = { kind: 'step', at: '2026-01-01T00:00:00.000Z', phase: 'planning', tokens: 5, cost: 0 } as const;

  it('appends and reads back in order, under the store lock', async () => {
    const { paths } = await initWorkspace(await tempRepo(), 'main');
    const log = new ActivityLog(paths, new EventBus());
    for (let i = 0; i < 20; i++) log.append('logged-abc123', { ...entry, tokens: i });
    expect((await log.read('logged-abc123')).map((e) => (e.kind === 'step' ? e.tokens : -1))).toEqual([...Array(20).keys()]);
    await log.remove('logged-abc123');
    expect(await log.read('logged-abc123')).toEqual([]);
  });

  it('never writes or reads through a symbolic link', async () => {
    const { paths } = await initWorkspace(await tempRepo(), 'main');
    const outside = `${await tempDir()}/secret.txt`;
    await fs.writeFile(outside, 'not yours\n');
    await fs.mkdir(`${paths.runtime}/activity`, { recursive: true });
    await fs.symlink(outside, paths.activity('linked-abc123'));
    const log = new ActivityLog(paths, new EventBus());
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      log.append('linked-abc123', entry);
      await log.flush();
      expect(logged).toHaveBeenCalledTimes(1);
    } finally {
      logged.mockRestore();
    }
    expect(await fs.readFile(outside, 'utf8')).toBe('not yours\n');
    await expect(log.read('linked-abc123')).rejects.toThrow(/symbolic link/);
  });
});

describe('an hours-long session', () => {
  const at = '2026-01-01T00:00:00.000Z';
  const tool = (i: number, state: 'running' | 'completed'): ActivityEntry => ({
    kind: 'tool',
    at,
    phase: 'implementation',
    partId: `prt_${i}`,
    tool: 'bash',
    title: `running npm test -- --shard ${i}`,
    state,
    durationMs: state === 'running' ? null : i,
  });
  /** `parts` tool calls, each announced running then completed one call later, with a text every tenth call. */
  function* session(parts: number, from = 0): Generator<ActivityEntry> {
    for (let i = from; i < from + parts; i++) {
      yield tool(i, 'running');
      if (i > from) yield tool(i - 1, 'completed');
      if (i % 10 === 0) yield { kind: 'text', at, phase: 'implementation', partId: `txt_${i}`, text: `Step ${i} looks fine.` };
    }
    yield tool(from + parts - 1, 'completed');
  }
  const limits = { compactAtBytes: 256 * 1024, keepBytes: 1024 * 1024, eventWindowMs: 250, eventEntries: 1000 };

  it('20,000 parts keep the file bounded; compaction keeps every row the drawer shows, and the cap drops the oldest with one note', async () => {
    const { paths } = await initWorkspace(await tempRepo(), 'main');
    const log = new ActivityLog(paths, new EventBus(), limits);
    const id = 'long-abc123';
    const all: ActivityEntry[] = [];
    let largest = 0;
    for (let chunk = 0; chunk < 20; chunk++) {
      for (const entry of session(1000, chunk * 1000)) {
        all.push(entry);
        log.append(id, entry);
      }
      await log.flush();
      largest = Math.max(largest, (await fs.stat(paths.activity(id))).size);
    }
    expect(all.length).toBeGreaterThan(40_000);
    expect(largest).toBeLessThanOrEqual(2 * limits.keepBytes + 512 * 1024);

    const shown = collapseActivity(all);
    const kept = collapseActivity(await log.read(id));
    const [note, ...rows] = kept;
    expect(rows.length).toBeGreaterThan(1000);
    expect(note).toMatchObject({ kind: 'note', dropped: shown.length - rows.length });
    expect(rows).toEqual(shown.slice(-rows.length));
    // A later compaction folds the earlier note into its own count.
    expect(kept.filter((e) => e.kind === 'note')).toHaveLength(1);
  });

  it('below the cap, compaction changes nothing the drawer shows', async () => {
    const { paths } = await initWorkspace(await tempRepo(), 'main');
    const log = new ActivityLog(paths, new EventBus(), { ...limits, keepBytes: 64 * 1024 * 1024 });
    const id = 'kept-abc123';
    const all = [...session(5000)];
    for (const entry of all.slice(0, 6000)) log.append(id, entry);
    await log.flush();
    for (const entry of all.slice(6000)) log.append(id, entry);
    const stored = await log.read(id);
    expect(stored.length, 'the log was compacted').toBeLessThan(all.length);
    expect(collapseActivity(stored)).toEqual(collapseActivity(all));
  });

  it('the drawer rows it keeps match collapsing the whole log after every append, compaction, a new process and a remove', async () => {
    const { paths } = await initWorkspace(await tempRepo(), 'main');
    const log = new ActivityLog(paths, new EventBus(), limits);
    const id = 'rows-abc123';
    const all = [...session(6000)];
    // Reads fall between a part's running and completed entries, so a kept row must change in place.
    for (const [from, to] of [
      [0, 1],
      [1, 2000],
      [2000, 2001],
      [2001, 9000],
      [9000, all.length],
    ] as const) {
      for (const entry of all.slice(from, to)) log.append(id, entry);
      expect((await log.rows(id)).rows).toEqual(collapseActivity(await log.read(id)));
    }
    expect((await log.rows(id)).rows, 'kept rows are read again, not collapsed again').toBe((await log.rows(id)).rows);
    expect((await log.read(id)).length, 'the log was compacted').toBeLessThan(all.length);
    expect((await log.rows(id)).rows).toEqual(collapseActivity(all));
    const later = new ActivityLog(paths, new EventBus(), limits);
    expect((await later.rows(id)).rows).toEqual(collapseActivity(all));
    await log.remove(id);
    expect((await log.rows(id)).rows).toEqual([]);
  });

  it('a burst of 20,000 entries is a few events, every entry in order, the first at once', async () => {
    const { paths } = await initWorkspace(await tempRepo(), 'main');
    const bus = new EventBus();
    const got: ActivityEntry[][] = [];
    bus.on((e) => e.type === 'activity.appended' && got.push(e.entries));
    const log = new ActivityLog(paths, bus, limits);
    const all = [...session(10_000)].slice(0, 20_000);
    for (const entry of all) log.append('burst-abc123', entry);
    expect(got, 'the first entry is not held back').toEqual([[all[0]]]);
    await log.flush();
    expect(got.length).toBeLessThanOrEqual(21);
    expect(got.flat()).toEqual(all);
  });

  it('rows read while entries keep coming hold exactly the entries whose events are at or before their asOf', async () => {
    const { paths } = await initWorkspace(await tempRepo(), 'main');
    const bus = new EventBus();
    const events: { seq: number; entries: ActivityEntry[] }[] = [];
    bus.on((e) => {
      if (e.type === 'activity.appended') events.push({ seq: bus.seqOf(e.id) ?? 0, entries: e.entries });
    });
    const id = 'asof-abc123';
    const all = [...session(400)];
    const reads: ReturnType<ActivityLog['rows']>[] = [];
    let next = 0;
    // Each round is a new process: its first read loads the file, and entries come in meanwhile.
    for (let round = 0; round < 8; round++) {
      const log = new ActivityLog(paths, bus, limits);
      for (let i = 0; i < 20; i++) log.append(id, all[next++] as ActivityEntry);
      reads.push(log.rows(id));
      for (let i = 0; i < 20; i++) {
        log.append(id, all[next++] as ActivityEntry);
        if (i % 4 === 0) reads.push(log.rows(id));
        await new Promise((r) => setImmediate(r));
      }
      await log.flush();
    }
    for (const read of reads) {
      const { rows, asOf } = await read;
      const upTo = asOf === null ? -1 : (bus.seqOf(asOf) ?? -1);
      const announced = events.filter((e) => e.seq <= upTo).flatMap((e) => e.entries);
      expect(rows).toEqual(collapseActivity(announced));
    }
  });
});
