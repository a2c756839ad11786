import fs from 'node:fs/promises';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { EventBus } from '../../server/events/event-bus.js';
import { ActivityLog } from '../../server/store/activity-log.js';
import type { StudioStore } from '../../server/store/studio-store.js';
import { initWorkspace } from '../../server/store/workspace.js';
import type { ActivityEntry } from '../../shared/activity.js';
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
