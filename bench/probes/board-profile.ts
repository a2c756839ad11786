/**
 * Where the time of opening the board goes at N tasks: the page, the script, the task snapshot
 * request, the store and the render, from the board's User Timing marks and the browser's
 * resource timing; with --profile, the busiest functions of one load from Chromium's CPU
 * profiler (the whole profile is written to /tmp/board.cpuprofile).
 * Usage: tsx bench/probes/board-profile.ts [--tasks 2000] [--runs 7] [--profile]; needs a build.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { makeStudioRepo } from '../lib/fixtures.js';
import { chromiumPath } from '../lib/machine.js';
import { startStudioProcess } from '../lib/studio.js';

const { values } = parseArgs({
  options: { tasks: { type: 'string', default: '2000' }, runs: { type: 'string', default: '7' }, profile: { type: 'boolean' } },
});
const TASKS = Number(values.tasks);
const RUNS = Number(values.runs);

const TIMELINE = `(() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const res = performance.getEntriesByType('resource');
  const mark = (name) => performance.getEntriesByName(name)[0]?.startTime ?? NaN;
  const script = res.find((r) => r.name.includes('/assets/start-'));
  const list = res.find((r) => r.name.includes('tasks.snapshot'));
  return {
    html: nav.responseEnd,
    scriptStart: script ? script.startTime : NaN,
    scriptFirstByte: script ? script.responseStart : NaN,
    scriptEnd: script ? script.responseEnd : NaN,
    domInteractive: nav.domInteractive,
    main: mark('studio:main'),
    listStart: list ? list.startTime : NaN,
    listFirstByte: list ? list.responseStart : NaN,
    listEnd: list ? list.responseEnd : NaN,
    listBytes: list ? list.encodedBodySize : NaN,
    data: mark('studio:data'),
    rendered: mark('studio:rendered'),
    painted: mark('studio:painted'),
  };
})()`;

const tmp = path.join('/tmp', `board-profile-${process.pid}`);
const { repo } = await makeStudioRepo(tmp, TASKS);
const studio = await startStudioProcess(repo);
const browser = await chromium.launch({
  executablePath: chromiumPath() ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update'],
});
const rows: Record<string, number>[] = [];
try {
  for (let i = 0; i < RUNS + 1; i++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    const cdp = values.profile && i === RUNS ? await context.newCDPSession(page) : null;
    if (cdp) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
      await cdp.send('Profiler.start');
    }
    await page.goto(`${studio.url}/?token=${studio.token}`);
    await page.waitForFunction(() => performance.getEntriesByName('studio:painted').length > 0, undefined, { timeout: 30_000 });
    const t = await page.evaluate<Record<string, number>>(TIMELINE);
    if (cdp) {
      const { profile } = await cdp.send('Profiler.stop');
      await import('node:fs/promises').then((fs) => fs.writeFile('/tmp/board.cpuprofile', JSON.stringify(profile)));
      const self = new Map<string, number>();
      const dt = profile.timeDeltas ?? [];
      const byId = new Map(profile.nodes.map((n) => [n.id, n]));
      (profile.samples ?? []).forEach((id, k) => {
        const n = byId.get(id)!;
        const key = `${n.callFrame.functionName || '(anon)'} ${path.basename(n.callFrame.url)}:${n.callFrame.lineNumber}`;
        self.set(key, (self.get(key) ?? 0) + (dt[k] ?? 0) / 1000);
      });
      const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 30);
      for (const [k, v] of top) process.stdout.write(`${v.toFixed(1).padStart(7)} ms  ${k}\n`);
    }
    if (i > 0) rows.push(t);
    await context.close();
  }
} finally {
  await browser.close();
  await studio.stop();
  await fs.rm(tmp, { recursive: true, force: true });
}
const keys = Object.keys(rows[0] ?? {});
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
for (const k of keys)
  process.stdout.write(
    `${k.padEnd(16)} median ${median(rows.map((r) => r[k]!)).toFixed(1)}  all ${rows.map((r) => r[k]!.toFixed(0)).join(' ')}\n`,
  );
