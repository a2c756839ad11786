/**
 * Side by side with Backlog.md, on the same 1,000 tasks in the same repo, in the same run:
 * (a) listing all tasks through each one's HTTP API;
 * (b) a hand edit of a task file -> the WebSocket message each one's browser server sends.
 * The two servers run one after the other, never together, each in its own process.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import WebSocket from 'ws';
import type { StudioEvent } from '../shared/events.js';
import { save } from './hand-edit.js';
import {
  backlogFileName,
  backlogTaskText,
  initBacklog,
  installBacklog,
  startBacklogBrowser,
  writeBacklogTasks,
} from './lib/backlog.js';
import { nowMs, RawSubscriber } from './lib/events.js';
import { commitAll, generateTasks, makeGitRepo, studioTaskFile, studioTaskText, writeStudioWorkspace } from './lib/fixtures.js';
import { HttpClient, studioHttp, trpcQueryPath } from './lib/http.js';
import { type BenchContext, type Figure, figure, type Measurement, markdownTable } from './lib/report.js';
import { bytes, medianP99, ms, ratio, type Summary, summarize } from './lib/stats.js';
import { startStudioProcess } from './lib/studio.js';

const TASKS = 1_000;
const LIST_SAMPLES = 100;
const EDITS = 100;
const EDIT_GAP_MS = 150;
const WAIT_MS = 3_000;

interface SideFigures {
  firstListMs: number;
  listBytes: number;
  list: Summary;
  listAlt?: Summary;
  edit: Summary;
  editLost: number;
  /** Edit -> message -> the list fetched again (what Backlog.md's board does on "tasks-updated"). */
  editToData: Summary;
  rssKb: number;
}

async function samples(n: number, fn: () => Promise<number>, signal: AbortSignal): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    if (signal.aborted) throw new Error('timed out');
    out.push(await fn());
  }
  return out;
}

const sleep = (msec: number) => new Promise((r) => setTimeout(r, msec));

async function measureStudio(ctx: BenchContext, repo: string, specs: ReturnType<typeof generateTasks>): Promise<SideFigures> {
  const spawned = performance.now();
  const studio = await startStudioProcess(repo);
  const http = studioHttp(studio.url, studio.token);
  const sub = new RawSubscriber(studio.url, studio.token);
  try {
    const first = await http.ok('/api/tasks');
    const firstListMs = performance.now() - spawned;
    const count = (JSON.parse(first.body.toString()) as unknown[]).length;
    if (count !== TASKS) throw new Error(`the studio lists ${count} tasks, expected ${TASKS}`);
    ctx.log(`studio: listing ${LIST_SAMPLES}× (REST and tRPC)`);
    await samples(10, () => http.ok('/api/tasks').then((r) => r.ms), ctx.signal);
    const list = summarize(await samples(LIST_SAMPLES, () => http.ok('/api/tasks').then((r) => r.ms), ctx.signal));
    await samples(10, () => http.ok(trpcQueryPath('tasks.list')).then((r) => r.ms), ctx.signal);
    const listAlt = summarize(
      await samples(LIST_SAMPLES, () => http.ok(trpcQueryPath('tasks.list')).then((r) => r.ms), ctx.signal),
    );

    ctx.log(`studio: ${EDITS} hand edits`);
    await sub.open();
    const latencies: number[] = [];
    let lost = 0;
    for (let i = 0; i < EDITS; i++) {
      if (ctx.signal.aborted) throw new Error('timed out');
      const spec = specs[i]!;
      const description = `${spec.description} Edited by hand (${i}).`;
      const text = studioTaskText(spec, { description, updatedAt: new Date().toISOString() });
      const got = new Promise<number | null>((resolve) => {
        const timer = setTimeout(() => {
          off();
          resolve(null);
        }, WAIT_MS);
        const off = sub.on(({ event, receivedAt }) => {
          const e = event as StudioEvent;
          if (e.type === 'task.updated' && e.task.id === spec.id && e.task.description === description) {
            clearTimeout(timer);
            off();
            resolve(receivedAt);
          }
        });
      });
      const t0 = nowMs();
      await save(studioTaskFile(repo, spec.id), text, 'in-place', i);
      const at = await got;
      if (at === null) lost++;
      else latencies.push(at - t0);
      await sleep(EDIT_GAP_MS);
    }
    const edit = summarize(latencies);
    return {
      firstListMs,
      listBytes: first.body.length,
      list,
      listAlt,
      edit,
      editLost: lost,
      // The studio's event carries the changed task: the client has the new data with the message.
      editToData: edit,
      rssKb: studio.rssKb(),
    };
  } finally {
    sub.close();
    http.close();
    await studio.stop();
  }
}

async function measureBacklog(
  ctx: BenchContext,
  binary: string,
  repo: string,
  specs: ReturnType<typeof generateTasks>,
): Promise<SideFigures> {
  const server = await startBacklogBrowser(binary, repo);
  const http = new HttpClient(server.url);
  let socket: WebSocket | null = null;
  try {
    // It loads its content store on the first request: time spawn -> first complete list.
    let first = await http.get('/api/tasks');
    while (first.status !== 200 && performance.now() - server.spawnedAt < 60_000) {
      await sleep(20);
      first = await http.get('/api/tasks');
    }
    const firstListMs = performance.now() - server.spawnedAt;
    if (first.status !== 200) throw new Error(`backlog /api/tasks answered HTTP ${first.status}`);
    const count = (JSON.parse(first.body.toString()) as unknown[]).length;
    if (count !== TASKS)
      throw new Error(
        `backlog lists ${count} tasks, expected ${TASKS} (its format or file names differ from what was generated)`,
      );
    ctx.log(`backlog.md: listing ${LIST_SAMPLES}×`);
    await samples(10, () => http.ok('/api/tasks').then((r) => r.ms), ctx.signal);
    const list = summarize(await samples(LIST_SAMPLES, () => http.ok('/api/tasks').then((r) => r.ms), ctx.signal));

    ctx.log(`backlog.md: ${EDITS} hand edits`);
    const ws = new WebSocket(server.url.replace(/^http/, 'ws'), { perMessageDeflate: false });
    socket = ws;
    const messages: Array<{ text: string; at: number }> = [];
    const waiters = new Set<() => void>();
    ws.on('message', (data: Buffer) => {
      messages.push({ text: data.toString(), at: nowMs() });
      for (const w of waiters) w();
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    await sleep(300);
    const latencies: number[] = [];
    const toData: number[] = [];
    let lost = 0;
    const dir = path.join(repo, 'backlog', 'tasks');
    for (let i = 0; i < EDITS; i++) {
      if (ctx.signal.aborted) throw new Error('timed out');
      const spec = specs[i]!;
      const text = backlogTaskText(spec, `${spec.description} Edited by hand (${i}).`);
      const from = messages.length;
      const got = new Promise<number | null>((resolve) => {
        const check = () => messages.slice(from).find((m) => m.text === 'tasks-updated')?.at ?? null;
        const timer = setTimeout(() => {
          waiters.delete(onMessage);
          resolve(null);
        }, WAIT_MS);
        const onMessage = () => {
          const at = check();
          if (at === null) return;
          clearTimeout(timer);
          waiters.delete(onMessage);
          resolve(at);
        };
        waiters.add(onMessage);
      });
      const t0 = nowMs();
      await save(path.join(dir, backlogFileName(spec)), text, 'in-place', i);
      const at = await got;
      if (at === null) lost++;
      else {
        latencies.push(at - t0);
        // Its board reacts to "tasks-updated" by fetching the list again.
        await http.ok('/api/tasks');
        toData.push(nowMs() - t0);
      }
      await sleep(EDIT_GAP_MS);
    }
    return {
      firstListMs,
      listBytes: first.body.length,
      list,
      edit: summarize(latencies),
      editLost: lost,
      editToData: summarize(toData),
      rssKb: server.rssKb(),
    };
  } finally {
    socket?.close();
    http.close();
    await server.stop();
  }
}

export const backlogCompare: Measurement = {
  id: 'backlog',
  title: 'Side by side: Backlog.md',
  timeoutMs: 300_000,
  async run(ctx: BenchContext) {
    ctx.log('npm install backlog.md');
    const install = await installBacklog(path.join(ctx.tmp, 'backlog-install'));
    ctx.versions.set('backlog.md', install.version);

    const repo = await makeGitRepo(path.join(ctx.tmp, 'side-by-side'));
    await initBacklog(install.binary, repo);
    const specs = generateTasks(TASKS, 7);
    await writeStudioWorkspace(repo, specs);
    await writeBacklogTasks(repo, specs);
    commitAll(repo, `${TASKS} tasks in both formats`);
    const sizes = { studio: 0, backlog: 0 };
    for (const s of specs.slice(0, 50)) {
      sizes.studio += (await fs.stat(studioTaskFile(repo, s.id))).size;
      sizes.backlog += (await fs.stat(path.join(repo, 'backlog', 'tasks', backlogFileName(s)))).size;
    }

    const ours = await measureStudio(ctx, repo, specs);
    // Backlog.md gets the same 100 edits, on the same tasks in its own format.
    const theirs = await measureBacklog(ctx, install.binary, repo, specs);

    const figures: Figure[] = [
      figure(
        `list all ${TASKS.toLocaleString('en-US')} tasks over HTTP: studio GET /api/tasks vs Backlog.md GET /api/tasks`,
        `studio ${ms(ours.list.median)} vs Backlog.md ${ms(theirs.list.median)} median (p99 ${ms(ours.list.p99)} vs ${ms(theirs.list.p99)}); ratio studio/Backlog.md ${ratio(ours.list.median, theirs.list.median)}`,
        '—',
        null,
      ),
      figure(
        'list all tasks: studio tRPC tasks.list vs Backlog.md',
        `studio ${ms(ours.listAlt!.median)} vs ${ms(theirs.list.median)} median; ratio ${ratio(ours.listAlt!.median, theirs.list.median)}`,
        '—',
        null,
      ),
      figure(
        'hand edit -> WebSocket message',
        `studio ${ms(ours.edit.median)} vs Backlog.md ${ms(theirs.edit.median)} median (p99 ${ms(ours.edit.p99)} vs ${ms(theirs.edit.p99)}); ratio ${ratio(ours.edit.median, theirs.edit.median)}${ours.editLost || theirs.editLost ? `; no message for ${ours.editLost} (studio) / ${theirs.editLost} (Backlog.md) edits` : ''}`,
        '—',
        null,
      ),
      figure(
        'hand edit -> changed data in the client',
        `studio ${ms(ours.editToData.median)} (the event carries the task) vs Backlog.md ${ms(theirs.editToData.median)} (message, then GET /api/tasks); ratio ${ratio(ours.editToData.median, theirs.editToData.median)}`,
        '≤ 0.05×',
        ours.editToData.median <= 0.05 * theirs.editToData.median,
      ),
    ];
    const details = [
      `Backlog.md ${install.version} (npm \`backlog.md\`, its compiled binary run directly), initialised with \`backlog init bench --defaults --integration-mode none --check-branches false --include-remote false --auto-open-browser false\` and served with \`backlog browser --port <free port> --no-open\`. The same ${TASKS} generated tasks (title, description, labels, status in To Do / In Progress / Done, order) were written in both formats into one git repo: \`.opencode-studio/tasks/<id>.json\` and \`backlog/tasks/task-<n> - <Title>.md\` (YAML frontmatter + description section), ${bytes(sizes.studio / 50)} vs ${bytes(sizes.backlog / 50)} per file on average. The servers ran one after the other. Hand edits rewrite the description of one task file in place, ${EDITS} times, ${EDIT_GAP_MS} ms apart; the clock runs from the start of the write to the message arriving on a plain WebSocket client.`,
      markdownTable(
        ['', 'OpenCode Studio', 'Backlog.md', 'ratio'],
        [
          [
            'spawn -> first complete list',
            ms(ours.firstListMs),
            ms(theirs.firstListMs),
            ratio(ours.firstListMs, theirs.firstListMs),
          ],
          ['list: bytes per response', bytes(ours.listBytes), bytes(theirs.listBytes), ratio(ours.listBytes, theirs.listBytes)],
          ['list: median', ms(ours.list.median), ms(theirs.list.median), ratio(ours.list.median, theirs.list.median)],
          ['list: p99', ms(ours.list.p99), ms(theirs.list.p99), ratio(ours.list.p99, theirs.list.p99)],
          [
            'hand edit -> WS message: median',
            ms(ours.edit.median),
            ms(theirs.edit.median),
            ratio(ours.edit.median, theirs.edit.median),
          ],
          ['hand edit -> WS message: p99', ms(ours.edit.p99), ms(theirs.edit.p99), ratio(ours.edit.p99, theirs.edit.p99)],
          ['hand edit -> WS message: min', ms(ours.edit.min), ms(theirs.edit.min), ratio(ours.edit.min, theirs.edit.min)],
          [
            'hand edit -> data in client: median',
            ms(ours.editToData.median),
            ms(theirs.editToData.median),
            ratio(ours.editToData.median, theirs.editToData.median),
          ],
          ['RSS after the run', bytes(ours.rssKb * 1024), bytes(theirs.rssKb * 1024), ratio(ours.rssKb, theirs.rssKb)],
        ],
      ),
      `Studio list: ${medianP99(ours.list)} (REST), ${medianP99(ours.listAlt!)} (tRPC); Backlog.md list: ${medianP99(theirs.list)}.`,
    ];
    const notes = [
      'Backlog.md debounces its "tasks-updated" broadcast by 75 ms (`broadcastTasksUpdated` in its src/server/index.ts, as of its source at v1.50), so its edit-to-message figure cannot go below 75 ms; the message carries no data, and its board then fetches /api/tasks again. The studio sends the changed task in the event itself.',
    ];
    return { figures, notes, details };
  },
};
