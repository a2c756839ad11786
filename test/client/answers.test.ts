import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type { Api } from '../../client/src/lib/trpc.js';
import type { ActivityEntry } from '../../shared/activity.js';
import type { ActivityRows, TaskDetail } from '../../shared/api.js';
import type { ReviewComment } from '../../shared/comments.js';
import type { StudioEvent } from '../../shared/events.js';
import type { AgentRequest } from '../../shared/requests.js';
import type { Task } from '../../shared/task.js';
import type { DevServerState } from '../../shared/task-env.js';

// Loads and mutations with a hand-made API, so an event can come while the request is out. The
// client's modules read `window` when they load: a minimal one is set up before importing them.
async function loadClient() {
  const g = globalThis as Record<string, unknown>;
  g.window ??= { location: { pathname: '/' }, addEventListener() {} };
  const { applyEvent } = await import('../../client/src/state/apply-event.js');
  const { details } = await import('../../client/src/state/details.js');
  const { requests } = await import('../../client/src/state/requests.js');
  const { loadActivity, loadTaskDetail } = await import('../../client/src/state/task-detail.js');
  const { loadComments } = await import('../../client/src/state/comments.js');
  const { answerDevServer, answerTask } = await import('../../client/src/state/answers.js');
  const { devServers } = await import('../../client/src/state/dev-servers.js');
  const { currentTask, upsertTask } = await import('../../client/src/state/board.js');
  return {
    applyEvent,
    details,
    requests,
    loadActivity,
    loadTaskDetail,
    loadComments,
    answerTask,
    answerDevServer,
    devServers,
    currentTask,
    upsertTask,
  };
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

const event = (body: Record<string, unknown>, n: number) =>
  ({ ...body, id: `e-${n}`, at: new Date().toISOString() }) as unknown as StudioEvent;

describe('answers laid under the events that came while they were out', () => {
  it('a plan written and a request answered while tasks.get was out are not undone by its older answer', async () => {
    const { applyEvent, details, requests, loadTaskDetail } = await loadClient();
    const answer = deferred<TaskDetail>();
    const api = { tasks: { get: { query: () => answer.promise } } } as unknown as Api;
    const request = { id: 'per_1', taskId: 't-1', kind: 'permission' } as unknown as AgentRequest;

    const loading = loadTaskDetail(api, 't-1');
    applyEvent(event({ type: 'plan.updated', taskId: 't-1', markdown: '# New plan' }, 1));
    applyEvent(event({ type: 'request.replied', taskId: 't-1', request, outcome: 'allowed' }, 2));
    // Computed before both events: the old plan, the request still pending.
    answer.resolve({ task: {}, plan: '# Old plan', review: null, requests: [request] } as unknown as TaskDetail);
    await loading;

    expect(details['t-1']?.plan).toBe('# New plan');
    expect(requests['t-1'] ?? []).toEqual([]);
  });

  it('a comment deleted while comments.list was out is not put back by its older answer', async () => {
    const { applyEvent, details, loadComments } = await loadClient();
    const answer = deferred<ReviewComment[]>();
    const api = { comments: { list: { query: () => answer.promise } } } as unknown as Api;
    const comment = { id: 'c-1', path: 'a.ts', line: 1, body: 'typo' } as unknown as ReviewComment;

    const loading = loadComments(api, 't-2');
    applyEvent(event({ type: 'comments.updated', taskId: 't-2', comments: [] }, 3));
    answer.resolve([comment]);
    await loading;

    expect(details['t-2']?.comments).toEqual([]);
  });

  it("an action's answer does not move a card back behind the run it started", async () => {
    const { applyEvent, answerTask, currentTask, upsertTask } = await loadClient();
    const task = (status: Task['status'], state: string) =>
      ({ id: 't-3', title: 'Plan me', status, order: 1, labels: [], run: { state } }) as unknown as Task;
    upsertTask(task('todo', 'idle'));
    const answer = deferred<Task>();

    const starting = answerTask(() => answer.promise);
    // The start's own write, then the planning run finishing, both before the answer comes.
    applyEvent(event({ type: 'task.updated', task: task('in_progress', 'running') }, 4));
    applyEvent(event({ type: 'task.updated', task: task('plan_review', 'idle') }, 5));
    answer.resolve(task('in_progress', 'running'));
    await starting;

    expect(currentTask('t-3')?.status).toBe('plan_review');
  });

  it('activity entries that come while the rows are asked are shown once: in the rows, or from their event after asOf', async () => {
    const { applyEvent, details, loadActivity } = await loadClient();
    const answer = deferred<z.infer<typeof ActivityRows>>();
    const api = { tasks: { activityRows: { query: () => answer.promise } } } as unknown as Api;
    const note = (text: string) => ({ kind: 'note', at: new Date().toISOString(), text }) as unknown as ActivityEntry;
    const appended = (text: string, n: number) => event({ type: 'activity.appended', taskId: 't-4', entries: [note(text)] }, n);

    const loading = loadActivity(api, 't-4', 1000);
    // Read with the rows (its event is at asOf), then one after the rows were read.
    applyEvent(appended('in the rows', 6));
    applyEvent(appended('after the read', 7));
    answer.resolve({ rows: [note('earlier'), note('in the rows')], start: 0, total: 2, asOf: 'e-6' });
    await loading;
    // An event the rows include, arriving late on its own connection, adds nothing.
    applyEvent(appended('in the rows', 6));

    const texts = (details['t-4']?.activity ?? []).map((e) => (e as { text: string }).text);
    expect(texts).toEqual(['earlier', 'in the rows', 'after the read']);
  });

  it('a dev server panel asked before Run and answered after it does not go back to Not running', async () => {
    const { applyEvent, answerDevServer, devServers } = await loadClient();
    const server = (state: DevServerState['state'], event: string | null, log: string) =>
      ({ taskId: 't-5', state, port: 4301, url: null, pid: null, exitCode: null, log, event }) as DevServerState;
    const updated = (state: DevServerState['state'], output: string, n: number) => {
      const { log: _log, event: _event, ...rest } = server(state, null, '');
      return event({ type: 'devserver.updated', server: rest, output }, n);
    };
    const got = deferred<DevServerState>();
    const ran = deferred<DevServerState>();

    // The drawer asks for the state; Run is clicked before the answer comes.
    const loading = answerDevServer(() => got.promise);
    const running = answerDevServer(() => ran.promise);
    applyEvent(updated('starting', '$ node server.cjs\n', 8));
    ran.resolve(server('starting', 'e-8', '$ node server.cjs\n'));
    await running;
    applyEvent(updated('starting', 'serving on 4301\n', 9));
    applyEvent(updated('listening', '', 10));
    // Read before Run.
    got.resolve(server('stopped', null, ''));
    await loading;
    // A late copy of an event the state has is not applied twice.
    applyEvent(updated('starting', 'serving on 4301\n', 9));

    expect(devServers['t-5']?.state).toBe('listening');
    expect(devServers['t-5']?.log).toBe('$ node server.cjs\nserving on 4301\n');
  });
});
