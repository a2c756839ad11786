/** Timing of agent lifecycles through a real OpenCode: a timeline of marks, a timing proxy before the model, and who the time belongs to. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ActivityEntry } from '../../shared/activity.js';
import type { Task } from '../../shared/task.js';
import type { startAgentStudio } from '../../test/helpers/agent-studio.js';
import { cpuSecondsOf, descendants } from './processes.js';

export const STEP_TIMEOUT_MS = 120_000;

export type Interval = [number, number];

/** What happened when, for the breakdown of one lifecycle. */
export type Mark =
  | 'phase-start'
  | 'worktree-start'
  | 'phase-end'
  | 'commit-end'
  | 'model-sent'
  | 'model-done'
  | 'merge-start'
  | 'merge-end';
export const timeline: Array<{ t: number; what: string; mark?: Mark }> = [];
export const mark = (what: string, m?: Mark) => timeline.push({ t: performance.now(), what, ...(m ? { mark: m } : {}) });

/** Who the time between two timeline lines belongs to, as the state the earlier line leaves us in. */
const NEXT_STATE: Record<Mark, string> = {
  'worktree-start': 'studio: git worktree add',
  'phase-start': 'OpenCode: its agent loop, tools and bookkeeping',
  'model-sent': 'the model',
  'model-done': 'OpenCode: its agent loop, tools and bookkeeping',
  'phase-end': 'studio: events, prompts, files, transitions',
  'commit-end': 'studio: events, prompts, files, transitions',
  'merge-start': 'studio: git merge + worktree removal',
  'merge-end': 'studio: events, prompts, files, transitions',
};

export function attribute(lines: ReadonlyArray<{ t: number; what: string; mark?: Mark }>): Map<string, number> {
  const totals = new Map<string, number>();
  let state = 'studio: events, prompts, files, transitions';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.mark === 'phase-end' && /implementation|fix/.test(line.what)) state = 'studio: git commit of the work';
    else if (line.mark) state = NEXT_STATE[line.mark];
    const next = lines[i + 1];
    if (next) totals.set(state, (totals.get(state) ?? 0) + (next.t - line.t));
  }
  return totals;
}

/** A loopback proxy that forwards to `target` and records when each request was in flight. */
export async function timingProxy(target: string): Promise<{ baseUrl: string; intervals: Interval[]; close(): Promise<void> }> {
  const to = new URL(target);
  const intervals: Interval[] = [];
  const server = http.createServer((req, res) => {
    const started = performance.now();
    const upstream = http.request(
      { host: to.hostname, port: to.port, path: req.url, method: req.method, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
        up.on('end', () => {
          intervals.push([started, performance.now()]);
          timeline.push(
            { t: started, what: 'model request sent', mark: 'model-sent' },
            { t: performance.now(), what: 'model answer complete', mark: 'model-done' },
          );
        });
      },
    );
    upstream.on('error', (err) => {
      intervals.push([started, performance.now()]);
      if (!res.headersSent) res.writeHead(502);
      res.end(String(err));
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}${to.pathname}`,
    intervals,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** The longest wait between a phase's start and its first model request. */
export function firstRequestGap(lines: ReadonlyArray<{ t: number; mark?: Mark }>): number {
  let longest = 0;
  let started: number | null = null;
  for (const line of lines) {
    if (line.mark === 'phase-start') started = line.t;
    else if (line.mark === 'model-sent' && started !== null) {
      longest = Math.max(longest, line.t - started);
      started = null;
    }
  }
  return longest;
}

/** The longest wait between a phase's start and its first model request, leaving out the first phase. */
export function laterRequestGap(lines: ReadonlyArray<{ t: number; mark?: Mark }>): number {
  const gaps: number[] = [];
  let started: number | null = null;
  for (const line of lines) {
    if (line.mark === 'phase-start') started = line.t;
    else if (line.mark === 'model-sent' && started !== null) {
      gaps.push(line.t - started);
      started = null;
    }
  }
  return Math.max(0, ...gaps.slice(1));
}

/** Total time covered by at least one interval, within [from, to]. */
export function covered(intervals: readonly Interval[], from: number, to: number): number {
  const clipped = intervals
    .map(([a, b]): Interval => [Math.max(a, from), Math.min(b, to)])
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  let total = 0;
  let end = -Infinity;
  for (const [a, b] of clipped) {
    if (a > end) {
      total += b - a;
      end = b;
    } else if (b > end) {
      total += b - end;
      end = b;
    }
  }
  return total;
}

export type Studio = Awaited<ReturnType<typeof startAgentStudio>>;

/** Runs that failed because git tripped over another git command on the same repo, and were retried. */
export const gitRaces: string[] = [];
const GIT_RACE =
  /another merge is in progress|bad object|worktrees\/|commondir|index\.lock|\.git\/worktrees|cannot lock ref|MERGE_HEAD|not concluded your merge|File exists/i;

/**
 * Resolves with the task once `ready` holds for it (checked now and on every event). A run that
 * failed because of a concurrent git command is recorded and retried, as a person would click
 * Retry; any other failure rejects.
 */
export function waitTask(studio: Studio, id: string, ready: (t: Task) => boolean, what: string): Promise<Task> {
  const { store, bus } = studio.studio.services;
  let retrying = false;
  return new Promise((resolve, reject) => {
    const check = (): void => {
      const task = store.tasks.find(id);
      if (!task || retrying) return;
      if (task.run?.state === 'failed') {
        if (GIT_RACE.test(task.error ?? '') && gitRaces.length < 20) {
          gitRaces.push(`${task.run.phase}: ${(task.error ?? '').split('\n').find((l) => /fatal|error/i.test(l)) ?? task.error}`);
          retrying = true;
          studio.client.tasks.retry.mutate({ id }).then(
            () => {
              retrying = false;
              check();
            },
            (err: unknown) => {
              done();
              reject(err);
            },
          );
          return;
        }
        done();
        reject(new Error(`task ${id} failed in ${task.run.phase}: ${task.error}`));
        return;
      }
      if (ready(task)) {
        done();
        resolve(task);
      }
    };
    const off = bus.on(() => check());
    const timer = setTimeout(() => {
      done();
      reject(new Error(`timed out waiting for task ${id} to ${what}`));
    }, STEP_TIMEOUT_MS);
    const done = () => {
      off();
      clearTimeout(timer);
    };
    check();
  });
}

/** Merges in flight, and the merges git refused because another one was under way. */
const merging = new Set<Promise<unknown>>();
export const refusedMerges: string[] = [];

/**
 * Merge, as a person clicking Merge would. A merge refused because another merge into the base
 * branch is in progress is recorded and retried once the others are done.
 */
export async function merge(studio: Studio, id: string): Promise<Task> {
  for (let attempt = 0; ; attempt++) {
    const run = studio.client.tasks.merge.mutate({ id });
    merging.add(run);
    try {
      return await run;
    } catch (err) {
      const message = (err as Error).message;
      if (
        attempt >= 5 ||
        !/MERGE_HEAD|not concluded your merge|another merge is in progress|index\.lock|cannot lock ref/i.test(message)
      )
        throw err;
      refusedMerges.push(message.split('\n')[0]!);
      await Promise.allSettled([...merging].filter((m) => m !== run));
    } finally {
      merging.delete(run);
    }
  }
}

export interface Run {
  wallMs: number;
  modelMs: number;
  requests: number;
  /** CPU seconds used during the run: this process (the studio and the benchmark's client), the git processes it ran, OpenCode. */
  cpu: { studio: number; git: number; opencode: number };
}

export function cpuNow(): { studio: number; git: number; opencode: number } {
  const self = cpuSecondsOf('self');
  const opencode = descendants(process.pid, /opencode/).reduce((sum, pid) => {
    const c = cpuSecondsOf(pid);
    return sum + c.own + c.reaped;
  }, 0);
  return { studio: self.own, git: self.reaped, opencode };
}

/** Creates `tasks` tasks and takes each through `flow` at once; wall, model time and CPU of the whole. */
export async function timedRun(
  studio: Studio,
  intervals: Interval[],
  tasks: number,
  tag: string,
  flow: (studio: Studio, id: string) => Promise<void>,
): Promise<Run> {
  const ids: string[] = [];
  for (let i = 0; i < tasks; i++)
    ids.push((await studio.client.tasks.create.mutate({ title: `Bench lifecycle ${tag} ${i + 1}` })).id);
  const before = intervals.length;
  const cpu0 = cpuNow();
  const t0 = performance.now();
  await Promise.all(ids.map((id) => flow(studio, id)));
  const t1 = performance.now();
  const cpu1 = cpuNow();
  return {
    wallMs: t1 - t0,
    modelMs: covered(intervals, t0, t1),
    requests: intervals.length - before,
    cpu: { studio: cpu1.studio - cpu0.studio, git: cpu1.git - cpu0.git, opencode: cpu1.opencode - cpu0.opencode },
  };
}

/** Puts every bus event on the timeline, phase boundaries and worktree creation with their marks; returns the unsubscribe. */
export function markBusEvents(studio: Studio): () => void {
  return studio.studio.services.bus.on((e) => {
    if (e.type === 'task.updated' || e.type === 'task.created')
      mark(
        `event ${e.type}: ${e.task.status}${e.task.run ? ` run ${e.task.run.phase}/${e.task.run.state}${e.task.run.activity ? ` (${e.task.run.activity})` : ''}` : ''}`,
      );
    else if (e.type === 'activity.appended') for (const entry of e.entries) markActivity(entry);
    else mark(`event ${e.type}`);
  });
}

function markActivity(entry: ActivityEntry): void {
  if (entry.kind === 'phase') {
    const m: Mark | undefined =
      entry.state === 'started'
        ? entry.message?.startsWith('creating the worktree')
          ? 'worktree-start'
          : 'phase-start'
        : entry.state === 'finished'
          ? entry.message
            ? 'commit-end'
            : 'phase-end'
          : undefined;
    mark(`event activity: ${entry.phase} ${entry.state}${entry.message ? ` (${entry.message})` : ''}`, m);
  } else mark(`event activity: ${entry.kind}${entry.kind === 'tool' ? ` ${entry.tool} ${entry.state}` : ''}`);
}
