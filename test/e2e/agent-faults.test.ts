import fs from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { phaseOf } from '../../server/demo/demo-script.js';
import type { Responder } from '../../server/demo/scripted-model.js';
import type { Task } from '../../shared/task.js';
import { fastDemoResponder, startAgentStudio, stopModels } from '../helpers/agent-studio.js';
import { failureOf } from '../helpers/failure.js';
import { stopStudios } from '../helpers/studio.js';
import { git, removeTempDirs } from '../helpers/temp-repo.js';
import { waitFor } from '../helpers/wait.js';

afterAll(removeTempDirs);

type Client = Awaited<ReturnType<typeof startAgentStudio>>['client'];

let last: Task | null = null;
function taskWhere(client: Client, id: string, what: string, check: (t: Task) => boolean, timeoutMs = 60_000) {
  return waitFor(
    async () => {
      const { task } = await client.tasks.get.query({ id });
      last = task;
      return check(task) ? task : null;
    },
    `${id}: ${what}`,
    timeoutMs,
  ).catch((err) => {
    throw new Error(`${err.message}; last seen: ${JSON.stringify(last)}`);
  });
}

/** The demo script, but planning answers as `planning` says (an error, a long pause). */
function withPlanning(planning: (call: number) => ReturnType<Responder>): Responder {
  let calls = 0;
  return async (req) => {
    if (!req.isTitleRequest && phaseOf(req).phase === 'planning') return planning(++calls);
    return fastDemoResponder(req);
  };
}

/**
 * One studio (and so one `opencode serve`) for the tests that can share it; each works on its own
 * task. A task's requests go to the responder its test set for it (by the task id in the working
 * directory); every other request (titles, tasks without one) gets the demo script.
 */
const responders = new Map<string, Responder>();
let shared: Awaited<ReturnType<typeof startAgentStudio>>;

/** Creates a task whose model requests `responder` answers (the demo script by default). */
async function createTask(title: string, responder?: Responder): Promise<Task> {
  const task = await shared.client.tasks.create.mutate({ title });
  if (responder) responders.set(task.id, responder);
  return task;
}

describe('failure and recovery, one studio', { timeout: 180_000 }, () => {
  beforeAll(async () => {
    shared = await startAgentStudio({
      responder: (req) => (responders.get(phaseOf(req).taskId) ?? fastDemoResponder)(req),
    });
  });
  afterAll(async () => {
    await stopStudios();
    await stopModels();
  });

  it('a model error fails the phase within seconds with the message; retry works', async () => {
    const { client } = shared;
    const task = await createTask(
      'Fails once',
      withPlanning((call) =>
        call === 1
          ? { error: { status: 400, message: 'the model refused: quota exceeded' } }
          : { text: '## Plan\n1. retry worked' },
      ),
    );
    await client.tasks.start.mutate({ id: task.id });
    // "Within seconds" counts from the model being asked, not from OpenCode's cold start (18 s on a loaded machine).
    await taskWhere(client, task.id, 'asked', (t) => t.run?.state === 'failed' || !!t.run?.sessionId, 60_000);
    const failed = await taskWhere(client, task.id, 'failed', (t) => t.run?.state === 'failed', 30_000);
    expect(failed.status).toBe('planning');
    expect(failed.error).toMatch(/quota exceeded/);
    await client.tasks.retry.mutate({ id: task.id });
    const planned = await taskWhere(client, task.id, 'plan_review', (t) => t.status === 'plan_review' && !t.run);
    expect(planned.error).toBeNull();
  });

  it('abort stops a running phase; the task keeps its status and can be retried', async () => {
    const { client } = shared;
    const task = await createTask(
      'Slow plan',
      withPlanning(() => ({ text: '## Plan\nslow', delayMs: 60_000 })),
    );
    await client.tasks.start.mutate({ id: task.id });
    await taskWhere(client, task.id, 'running with a session', (t) => t.run?.state === 'running' && !!t.run.sessionId);
    const started = Date.now();
    const aborted = await client.tasks.abort.mutate({ id: task.id });
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(aborted).toMatchObject({ status: 'planning', run: { state: 'aborted', phase: 'planning' } });
    expect(aborted.error).toMatch(/retry/);
    expect(await failureOf(client.tasks.abort.mutate({ id: task.id }))).toMatch(/^PRECONDITION_FAILED: nothing is running/);
  });

  it('two tasks with maxParallel 1: one runs, one is queued, both finish', async () => {
    const { client } = shared;
    await client.config.update.mutate({ maxParallel: 1 });
    try {
      const slowish = withPlanning(() => ({ text: '## Plan\nok', delayMs: 1_500 }));
      const a = await createTask('A', slowish);
      const b = await createTask('B', slowish);
      await client.tasks.start.mutate({ id: a.id });
      await client.tasks.start.mutate({ id: b.id });
      await taskWhere(client, a.id, 'running', (t) => t.run?.state === 'running');
      const queued = await client.tasks.get.query({ id: b.id });
      expect(queued.task.run).toMatchObject({ state: 'queued', phase: 'planning' });
      await taskWhere(client, a.id, 'plan_review', (t) => t.status === 'plan_review');
      await taskWhere(client, b.id, 'plan_review', (t) => t.status === 'plan_review');
    } finally {
      await client.config.update.mutate({ maxParallel: 3 });
    }
  });

  it('a merge conflict leaves the repo and the task as they were, with an error naming the file', async () => {
    const { client, root } = shared;
    await client.config.update.mutate({ requirePlanApproval: false });
    try {
      const task = await createTask('Conflicting');
      await client.tasks.start.mutate({ id: task.id });
      await taskWhere(client, task.id, 'review', (t) => t.status === 'review' && !t.run, 90_000);
      await fs.mkdir(`${root}/notes`, { recursive: true });
      await fs.writeFile(`${root}/notes/${task.id}.md`, 'written on main meanwhile\n');
      git(root, 'add', 'notes');
      git(root, 'commit', '-q', '-m', 'conflicting change on main');
      const head = git(root, 'rev-parse', 'HEAD');
      const message = await failureOf(client.tasks.merge.mutate({ id: task.id }));
      expect(message).toMatch(new RegExp(`^PRECONDITION_FAILED: .*notes/${task.id}\\.md`));
      expect(git(root, 'rev-parse', 'HEAD')).toBe(head);
      expect(git(root, 'status', '--porcelain', '--untracked-files=no')).toBe('');
      await expect(fs.access(`${root}/.git/MERGE_HEAD`)).rejects.toThrow();
      const after = (await client.tasks.get.query({ id: task.id })).task;
      expect(after.status).toBe('review');
      expect(after.error).toMatch(new RegExp(`notes/${task.id}\\.md`));
    } finally {
      await client.config.update.mutate({ requirePlanApproval: true });
    }
  });

  it('requestChanges re-plans from plan review with the feedback; delete with a worktree needs force', async () => {
    const { client, model, root } = shared;
    const task = await createTask('Replan');
    await client.tasks.start.mutate({ id: task.id });
    await taskWhere(client, task.id, 'plan_review', (t) => t.status === 'plan_review' && !t.run);
    await client.tasks.requestChanges.mutate({ id: task.id, feedback: 'ALSO COVER THE CLI' });
    await taskWhere(
      client,
      task.id,
      'plan_review again',
      (t) => t.status === 'plan_review' && !t.run && model.requests.some((r) => r.userText.includes('ALSO COVER THE CLI')),
    );
    expect(await failureOf(client.tasks.delete.mutate({ id: task.id }))).toMatch(
      /^PRECONDITION_FAILED: .*worktree or branch.*force/,
    );
    await client.tasks.delete.mutate({ id: task.id, force: true });
    expect(git(root, 'branch', '--list', `studio/${task.id}`)).toBe('');
    expect(git(root, 'worktree', 'list')).not.toContain(task.id);
  });

  it('a 5xx from the model shows as "retrying (attempt 1, next in n s)" and the phase then finishes', async () => {
    const { client } = shared;
    const task = await createTask(
      'Flaky model',
      withPlanning((call) =>
        call === 1 ? { error: { status: 503, message: 'overloaded, try later' } } : { text: '## Plan\n1. after retry' },
      ),
    );
    await client.tasks.start.mutate({ id: task.id });
    await taskWhere(
      client,
      task.id,
      'shows retrying',
      (t) => /^retrying \(attempt 1, next in \d+ s\)$/.test(t.run?.activity ?? ''),
      60_000,
    );
    const planned = await taskWhere(client, task.id, 'plan_review', (t) => t.status === 'plan_review' && !t.run);
    expect(planned.error).toBeNull();
  });
});

/** A studio restart and OpenCode killed: each test has a studio of its own. */
describe('failure and recovery, a studio each', { timeout: 180_000 }, () => {
  afterEach(async () => {
    await stopStudios();
    await stopModels();
  });

  it('a studio restart mid-phase marks the task interrupted; retry finishes it', async () => {
    let slow = true;
    const responder = withPlanning(() => ({ text: '## Plan\n1. do it', delayMs: slow ? 60_000 : 0 }));
    const first = await startAgentStudio({ responder });
    const task = await first.client.tasks.create.mutate({ title: 'Interrupted' });
    await first.client.tasks.start.mutate({ id: task.id });
    await taskWhere(first.client, task.id, 'running', (t) => t.run?.state === 'running' && !!t.run.sessionId);
    await first.studio.close();
    slow = false;
    const second = await startAgentStudio({ root: first.root, model: first.model, opencodeHome: first.opencodeHome });
    const interrupted = await taskWhere(second.client, task.id, 'interrupted', (t) => t.run?.state === 'interrupted', 30_000);
    expect(interrupted.error).toMatch(/studio stopped while planning.*retry/);
    await second.client.tasks.retry.mutate({ id: task.id });
    await taskWhere(second.client, task.id, 'plan_review', (t) => t.status === 'plan_review' && !t.run);
  });

  it('OpenCode killed mid-phase: the task gets an error, OpenCode comes back, retry works', async () => {
    const { client, root, model } = await startAgentStudio({
      responder: withPlanning((call) => ({ text: '## Plan\nok', delayMs: call === 1 ? 60_000 : 0 })),
    });
    const task = await client.tasks.create.mutate({ title: 'Server dies' });
    await client.tasks.start.mutate({ id: task.id });
    await waitFor(
      () => model.requests.some((r) => phaseOf(r).phase === 'planning'),
      'the model to be asked for the plan',
      90_000,
    );
    const pid = Number(await fs.readFile(`${root}/.opencode-studio/runtime/opencode.pid`, 'utf8'));
    process.kill(-pid, 'SIGKILL');
    // The phase fails as soon as the process is gone, not when OpenCode is back.
    const failed = await taskWhere(client, task.id, 'failed', (t) => t.run?.state === 'failed', 20_000);
    expect(failed.error).toMatch(/planning failed: .*OpenCode/i);
    await waitFor(async () => (await client.project.info.query()).opencode.state === 'ready', 'OpenCode back', 60_000);
    await client.tasks.retry.mutate({ id: task.id });
    await taskWhere(client, task.id, 'plan_review', (t) => t.status === 'plan_review' && !t.run);
  });
});
