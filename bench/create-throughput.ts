/**
 * 5. `tasks.create` throughput from 1 and from 10 concurrent clients, over HTTP (tRPC), on a
 * repo that already holds 1,000 tasks. Each client has its own keep-alive connection and sends
 * its next create when the previous one is answered.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { makeStudioRepo } from './lib/fixtures.js';
import { type HttpClient, studioHttp, trpcQueryPath } from './lib/http.js';
import { ROOT } from './lib/paths.js';
import { runProbe } from './lib/probe.js';
import { type BenchContext, figure, type Measurement, markdownTable } from './lib/report.js';
import { medianP99, ms, summarize } from './lib/stats.js';
import { startStudioProcess } from './lib/studio.js';

const EXISTING = 1_000;

interface CreateProfile {
  tasks: number;
  creates: number;
  withoutWatcherMs: number;
  withWatcherMs: number;
  sortMs: number;
}
const ROUNDS = [
  { clients: 1, perClient: 200 },
  { clients: 10, perClient: 40 },
] as const;

export const createThroughput: Measurement = {
  id: 'create-throughput',
  title: '5. tasks.create throughput',
  timeoutMs: 180_000,
  async run(ctx: BenchContext) {
    const { repo } = await makeStudioRepo(path.join(ctx.tmp, 'create'), EXISTING);
    const studio = await startStudioProcess(repo);
    const figures = [];
    const rows: string[][] = [];
    let made = 0;
    try {
      for (const { clients, perClient } of ROUNDS) {
        ctx.log(`${clients} client(s) × ${perClient} creates`);
        const https: HttpClient[] = Array.from({ length: clients }, () => studioHttp(studio.url, studio.token));
        const latencies: number[] = [];
        const failures: string[] = [];
        const started = performance.now();
        await Promise.all(
          https.map(async (http, c) => {
            for (let i = 0; i < perClient && !ctx.signal.aborted; i++) {
              const res = await http.request('POST', '/trpc/tasks.create', {
                title: `Created by client ${c} number ${i}`,
                description: 'Made by the create-throughput benchmark.',
                labels: ['bench'],
              });
              if (res.status === 200) latencies.push(res.ms);
              else failures.push(`HTTP ${res.status}: ${res.body.toString().slice(0, 200)}`);
            }
          }),
        );
        const seconds = (performance.now() - started) / 1000;
        for (const h of https) h.close();
        if (failures.length) throw new Error(`${failures.length} creates failed, first: ${failures[0]}`);
        made += latencies.length;
        const s = summarize(latencies);
        const perSecond = latencies.length / seconds;
        figures.push(
          figure(
            `tasks.create from ${clients} client${clients > 1 ? 's' : ''} (${latencies.length} creates)`,
            `${perSecond.toFixed(0)} creates/s; latency ${medianP99(s)}`,
            '—',
            null,
          ),
        );
        rows.push([String(clients), String(latencies.length), perSecond.toFixed(1), ms(s.median), ms(s.p99), ms(s.max)]);
      }
      // Every create must be there afterwards.
      const check = studioHttp(studio.url, studio.token);
      const list = await check.ok(trpcQueryPath('tasks.list'));
      check.close();
      const count = (JSON.parse(list.body.toString()) as { result: { data: unknown[] } }).result.data.length;
      if (count !== EXISTING + made) throw new Error(`expected ${EXISTING + made} tasks after the creates, found ${count}`);
    } finally {
      await studio.stop();
    }
    const details = [markdownTable(['clients', 'creates', 'creates/s', 'median', 'p99', 'max'], rows)];
    const notes: string[] = [];
    ctx.log('profiling a create in the store at 10,000 tasks, with and without the watcher');
    try {
      const p = await runProbe<CreateProfile>('create-profile', [await ctx.sharedStudioRepo(10_000), '40']);
      details.push(
        `A create inside the store (in one process, ${p.creates} creates in a row, until the watcher is idle) at ${p.tasks.toLocaleString('en-US')} tasks:`,
        markdownTable(
          ['', 'per create'],
          [
            ['without the watcher', ms(p.withoutWatcherMs)],
            ['with the chokidar watcher running (as in the server)', ms(p.withWatcherMs)],
            ['of which: the sort list() redoes after every change', ms(p.sortMs)],
          ],
        ),
      );
      const watcherSource = await fs.readFile(path.join(ROOT, 'server/store/watcher.ts'), 'utf8').catch(() => '');
      if (p.withWatcherMs > 2 * p.withoutWatcherMs && /from 'chokidar'/.test(watcherSource))
        notes.push(
          `A create costs ${ms(p.withoutWatcherMs)} in the store at ${p.tasks.toLocaleString('en-US')} tasks without the watcher and ${ms(p.withWatcherMs)} with it. The cause is chokidar: a new name in \`tasks/\` (a create writes a temp file and renames it into place) makes it re-read the whole folder with readdirp and lstat every entry (\`_handleRead\` in chokidar's handler, at most once a second per folder), so while tasks are being created the server keeps re-scanning a folder of N files in its event loop; a CPU profile of the server taken while creating tasks at 5,000 tasks (when this benchmark was written) put half of its CPU time in readdirp and lstat. Fix: in server/store/watcher.ts replace chokidar with \`fs.watch\` on the four folders the studio owns (\`.opencode-studio/\`, \`tasks/\`, \`plans/\`, \`reviews/\`), not recursive, feeding each reported file name into the existing per-path debounce and \`syncPath\` (which already treats a missing file as a delete); re-attach the folder watchers when a folder is removed and re-created (e.g. by a git checkout). Smaller: \`TaskStore.create\` calls \`list('todo')\` only to find the largest order, which re-sorts all tasks after every change (${ms(p.sortMs)} at this size): keep the largest order per status instead.`,
        );
      else
        notes.push(
          `A create costs ${ms(p.withoutWatcherMs)} in the store at ${p.tasks.toLocaleString('en-US')} tasks without the watcher and ${ms(p.withWatcherMs)} with it.`,
        );
    } catch (err) {
      notes.push(`The create profile could not run: ${(err as Error).message.split('\n')[0]}`);
    }
    return {
      figures,
      notes: [
        ...notes,
        'Each create is one HTTP request that writes the task file atomically (temp file, fsync, rename, fsync of the folder: `server/store/atomic-file.ts`) and emits one event; the repo holds 1,000 tasks before the first create.',
      ],
      details,
    };
  },
};
