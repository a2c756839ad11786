import fs from 'node:fs/promises';
import { afterAll, expect, it } from 'vitest';
import { collapseActivity } from '../../shared/activity-rows.js';
import { longSession, measureActivity } from '../browser/board-bench.js';
import { launchBrowser } from '../browser/browser.js';
import { startStudio, stopStudios } from '../helpers/studio.js';
import { removeTempDirs } from '../helpers/temp-repo.js';
import { waitFor } from '../helpers/wait.js';
import { measure } from './lib/results.js';
import { subscribeEvents } from './lib/ws-client.js';

afterAll(async () => {
  await stopStudios();
  await removeTempDirs();
});

const MB = 1024 * 1024;

it('a 60,000-part session keeps its activity file bounded and costs another tab a few messages', async () => {
  await measure('Hours-long sessions', 'a session of 60,000 parts in bursts of 20,000, with the default limits', async (m) => {
    const { studio } = await startStudio();
    const task = await studio.services.store.tasks.create({ title: 'Talks for hours' });
    const file = studio.services.store.paths.activity(task.id);
    const tab = subscribeEvents(studio);
    await tab.ready;
    const seen = tab.events.length;
    let largest = 0;
    const all = [...longSession(60_000)];
    for (let burst = 0; burst < 3; burst++) {
      for (const entry of all.slice(burst * 42_000, (burst + 1) * 42_000)) studio.services.store.activity.append(task.id, entry);
      await studio.services.store.activity.flush();
      largest = Math.max(largest, (await fs.stat(file)).size);
    }
    for (const entry of all.slice(3 * 42_000)) studio.services.store.activity.append(task.id, entry);
    await studio.services.store.activity.flush();
    const delivered = () =>
      tab.events.slice(seen).reduce((n, e) => n + (e.type === 'activity.appended' ? e.entries.length : 0), 0);
    await waitFor(() => delivered() === all.length, 'every entry at the other tab', 60_000);
    const rows = collapseActivity(await studio.services.store.activity.read(task.id));
    m.figure('entries', all.length);
    m.figure('raw log MB (uncompacted)', +(Buffer.byteLength(all.map((e) => `${JSON.stringify(e)}\n`).join('')) / MB).toFixed(1));
    m.figure('largest file MB', +(largest / MB).toFixed(1));
    m.figure('rows kept', rows.length);
    m.figure('rows dropped (one note)', rows[0]?.kind === 'note' ? (rows[0].dropped ?? 0) : 0);
    m.figure('WebSocket messages to the other tab', tab.events.length - seen);
    expect(largest).toBeLessThanOrEqual(16 * MB + 8 * MB);
    expect(tab.events.length - seen).toBeLessThan(200);
    await tab.close();
  });
});

it('the Activity tab at 20,000 parts opens at its end with a window of rows', async () => {
  await measure('Hours-long sessions', 'open the Activity tab at 20,000 parts (Chromium; shared machine)', async (m) => {
    const browser = await launchBrowser();
    try {
      const figures = await measureActivity(browser, 20_000);
      m.figure('open ms', Math.round(figures.openMs));
      m.figure("rows' request ms", Math.round(figures.requestMs));
      m.figure('rows in the DOM', figures.rowsInDom);
      m.figure('scroll p95 frame ms', Math.round(figures.scrollP95Ms));
      expect(figures.rowsInDom).toBeLessThan(100);
      expect(figures.atEnd).toBe(true);
    } finally {
      await browser.close();
    }
  });
});
