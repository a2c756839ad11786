import { describe, expect, it } from 'vitest';
import type { Api } from '../../client/src/lib/trpc.js';
import type { TaskDetail } from '../../shared/api.js';
import type { ReviewComment } from '../../shared/comments.js';
import type { StudioEvent } from '../../shared/events.js';
import type { AgentRequest } from '../../shared/requests.js';
import type { Task } from '../../shared/task.js';

// Loads and mutations with a hand-made API, so an event can come while the request is out. The
// client's modules read `window` when they load: a minimal one is set up before importing them.
async function loadClient() {
  const g = globalThis as Record<string, unknown>;
  g.window ??= { location: { pathname: '/' }, addEventListener() {} };
  const { applyEvent } = await import('../../client/src/state/apply-event.js');
  const { details } = await import('../../client/src/state/details.js');
  const { requests } = await import('../../client/src/state/requests.js');
  const { loadTaskDetail } = await import('../../client/src/state/task-detail.js');
  const { loadComments } = await import('../../client/src/state/comments.js');
  const { answerTask } = await import('../../client/src/state/answers.js');
  const { currentTask, upsertTask } = await import('../../client/src/state/board.js');
  return { applyEvent, details, requests, loadTaskDetail, loadComments, answerTask, currentTask, upsertTask };
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
});
