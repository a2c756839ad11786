import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { phaseOf } from '../../server/demo/demo-script.js';
import type { Responder, ScriptRequest } from '../../server/demo/scripted-model.js';
import { worktreePath } from '../../server/git/worktrees.js';
import type { StudioEvent } from '../../shared/events.js';
import type { AgentRequest } from '../../shared/requests.js';
import type { Task } from '../../shared/task.js';
import { startAgentStudio, stopModels } from '../helpers/agent-studio.js';
import { failureOf, reasonOf } from '../helpers/failure.js';
import { stopStudios } from '../helpers/studio.js';
import { removeTempDirs } from '../helpers/temp-repo.js';
import { waitFor } from '../helpers/wait.js';

afterAll(removeTempDirs);

const FEEDBACK = 'keep that file: use git clean instead';

/** Implementation runs four shell commands, one per step; the other phases answer at once. */
const shellScript: Responder = (req: ScriptRequest) => {
  if (req.isTitleRequest) return { text: 'Title' };
  const { phase } = phaseOf(req);
  if (phase === 'planning') return { text: '## Plan\n1. touch some files' };
  if (phase === 'review') return { text: 'Fine.\n\nVERDICT: APPROVED' };
  const bash = (command: string) => ({ toolCalls: [{ name: 'bash', args: { command, description: command } }] });
  const commands = ['touch once.txt', 'touch always.txt', 'touch again.txt', 'rm -f once.txt'];
  const next = commands[req.toolResults.length];
  return next ? bash(next) : { text: 'Touched the files.' };
};

type Studio = Awaited<ReturnType<typeof startAgentStudio>>;

async function shellStudio(responder: Responder = shellScript): Promise<Studio & { events: StudioEvent[] }> {
  const studio = await startAgentStudio({ responder, opencodePermission: { bash: 'ask', edit: 'allow' } });
  const events: StudioEvent[] = [];
  await new Promise<void>((started) => {
    studio.client.events.onEvent.subscribe({}, { onStarted: () => started(), onData: ({ data }) => events.push(data) });
  });
  await studio.client.config.update.mutate({ requirePlanApproval: false });
  return { ...studio, events };
}

async function taskWhere(client: Studio['client'], id: string, what: string, check: (t: Task) => boolean, ms = 60_000) {
  return waitFor(
    async () => {
      const { task } = await client.tasks.get.query({ id });
      return check(task) ? task : null;
    },
    `${id}: ${what}`,
    ms,
  );
}

/** The next request of the task, once the task shows as waiting for it. */
async function nextRequest(client: Studio['client'], id: string, pattern: string): Promise<AgentRequest> {
  return waitFor(
    async () => {
      const detail = await client.tasks.get.query({ id });
      const request = detail.requests.find((r) => r.patterns?.includes(pattern));
      return request && detail.task.run?.state === 'waiting' ? request : null;
    },
    `a request to run "${pattern}"`,
    60_000,
  );
}

type Answer = (request: AgentRequest, reply: 'once' | 'always' | 'reject', message?: string) => Promise<unknown>;

/** Once, always (then not asked again) and reject with feedback, each checked by its effect in the worktree. */
async function answerEachWay(studio: Studio & { events: StudioEvent[] }, via: string, answer: Answer): Promise<void> {
  const { client, root, model } = studio;
  const asks = model.requests.length;
  const task = await client.tasks.create.mutate({ title: `Touch files (${via})` });
  const other = await client.tasks.create.mutate({ title: `Someone else (${via})` });
  await client.tasks.start.mutate({ id: task.id });
  const dir = worktreePath(root, null, task.id);

  const once = await nextRequest(client, task.id, 'touch once.txt');
  expect(once).toMatchObject({
    kind: 'permission',
    permission: 'bash',
    taskId: task.id,
    metadata: { command: 'touch once.txt' },
  });
  expect(await client.requests.list.query({ taskId: task.id })).toEqual([once]);
  expect(studio.events.some((e) => e.type === 'request.asked' && e.request.id === once.id && e.taskId === task.id)).toBe(true);
  expect(existsSync(`${dir}/once.txt`)).toBe(false);
  // A request of another task, and one that does not exist, are refused by name.
  expect(await failureOf(client.requests.reply.mutate({ taskId: other.id, requestId: once.id, reply: 'once' }))).toMatch(
    new RegExp(`^BAD_REQUEST: .*${once.id}.*belongs to the task ${task.id}`),
  );
  await answer(once, 'once');
  await waitFor(() => existsSync(`${dir}/once.txt`), 'once.txt', 30_000);
  expect(studio.events.some((e) => e.type === 'request.replied' && e.request.id === once.id && e.outcome === 'once')).toBe(true);
  expect(await failureOf(client.requests.reply.mutate({ taskId: task.id, requestId: once.id, reply: 'once' }))).toMatch(
    new RegExp(`^NOT_FOUND: .*${once.id}`),
  );

  const always = await nextRequest(client, task.id, 'touch always.txt');
  await answer(always, 'always');
  // "always" covers `touch *` for the rest of the session: again.txt is made without asking.
  const reject = await nextRequest(client, task.id, 'rm -f once.txt');
  expect(existsSync(`${dir}/always.txt`)).toBe(true);
  expect(existsSync(`${dir}/again.txt`)).toBe(true);
  const asked = studio.events.flatMap((e) => (e.type === 'request.asked' && e.taskId === task.id ? e.request.patterns : []));
  expect(asked).toEqual(['touch once.txt', 'touch always.txt', 'rm -f once.txt']);

  await answer(reject, 'reject', FEEDBACK);
  const done = await taskWhere(client, task.id, 'review', (t) => t.status === 'review' && !t.run, 90_000);
  expect(done.error).toBeNull();
  expect(existsSync(`${dir}/once.txt`)).toBe(true);
  // Only this test's requests: another test's feedback must not count.
  expect(model.requests.slice(asks).some((r) => r.toolResults.some((t) => t.includes(FEEDBACK)))).toBe(true);
  expect(await client.requests.list.query({})).toEqual([]);
}

/** One studio (and so one `opencode serve`) for the tests that can share it; each works on its own tasks. */
let shared: Studio & { events: StudioEvent[] };

describe('a person answers the agent from the board, one studio', { timeout: 240_000 }, () => {
  beforeAll(async () => {
    shared = await shellStudio();
  });
  afterAll(async () => {
    await stopStudios();
    await stopModels();
  });

  it('answers once, always and reject with feedback through the typed client', async () => {
    const studio = shared;
    await answerEachWay(studio, 'client', (r, reply, message) =>
      studio.client.requests.reply.mutate({ taskId: r.taskId, requestId: r.id, reply, ...(message ? { message } : {}) }),
    );
  });

  it('answers once, always and reject with feedback through REST', async () => {
    const studio = shared;
    const { url, token } = studio.studio;
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const listed = await fetch(`${url}/api/requests`, { headers });
    expect(listed.status).toBe(200);
    expect(await listed.json()).toEqual([]);
    await answerEachWay(studio, 'REST', async (r, reply, message) => {
      const res = await fetch(`${url}/api/tasks/${r.taskId}/requests/${r.id}/reply`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ reply, ...(message ? { message } : {}) }),
      });
      expect(res.status).toBe(200);
      const gone = await fetch(`${url}/api/tasks/${r.taskId}/requests/${r.id}/reply`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ reply }),
      });
      expect(gone.status).toBe(404);
    });
    const doc = (await (await fetch(`${url}/api/openapi.json`, { headers })).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/requests',
        '/tasks/{taskId}/requests/{requestId}/reply',
        '/tasks/{taskId}/requests/{requestId}/answer',
      ]),
    );
  });

  it('unattended: every request is refused without asking, the run goes on to Review, and the activity says what was refused', async () => {
    const studio = shared;
    const { client, root } = studio;
    // Only what happens from here on: the other tests' requests and events must not count.
    const seen = studio.events.length;
    const asks = studio.model.requests.length;
    await client.config.update.mutate({ unattended: true });
    try {
      const task = await client.tasks.create.mutate({ title: 'Nobody watches' });
      await client.tasks.start.mutate({ id: task.id });
      const done = await taskWhere(client, task.id, 'review', (t) => t.status === 'review' && !t.run, 120_000);
      expect(done.error).toBeNull();
      // The card says what was refused after the run too: the latest refusals stay on the task.
      expect(done.refused).toEqual([
        'bash: touch once.txt',
        'bash: touch always.txt',
        'bash: touch again.txt',
        'bash: rm -f once.txt',
      ]);
      expect(studio.events.slice(seen).some((e) => e.type === 'request.asked')).toBe(false);
      expect(existsSync(`${worktreePath(root, null, task.id)}/once.txt`)).toBe(false);
      const activity = await client.tasks.activity.query({ id: task.id });
      expect(activity).toContainEqual(
        expect.objectContaining({ kind: 'error', message: 'refused bash: touch once.txt (unattended)' }),
      );
      expect(
        studio.model.requests.slice(asks).some((r) => r.toolResults.some((t) => t.includes('this studio runs unattended'))),
      ).toBe(true);
    } finally {
      await client.config.update.mutate({ unattended: false });
    }
  });

  it('abort while waiting stops the run; the command never runs and the request is gone', async () => {
    const studio = shared;
    const { client, root } = studio;
    const task = await client.tasks.create.mutate({ title: 'Abort me' });
    await client.tasks.start.mutate({ id: task.id });
    const request = await nextRequest(client, task.id, 'touch once.txt');
    const aborted = await client.tasks.abort.mutate({ id: task.id });
    expect(aborted.run).toMatchObject({ state: 'aborted', phase: 'implementation' });
    expect(await client.requests.list.query({ taskId: task.id })).toEqual([]);
    expect(studio.events.some((e) => e.type === 'request.replied' && e.request.id === request.id && e.outcome === 'gone')).toBe(
      true,
    );
    expect(await reasonOf(client.requests.reply.mutate({ taskId: task.id, requestId: request.id, reply: 'once' }))).toBe(
      'not-found',
    );
    expect(existsSync(`${worktreePath(root, null, task.id)}/once.txt`)).toBe(false);
  });
});

/** OpenCode killed and a studio restart: each test has a studio of its own. */
describe('a person answers the agent from the board, a studio each', { timeout: 240_000 }, () => {
  afterEach(async () => {
    await stopStudios();
    await stopModels();
  });

  it('OpenCode dies while a request waits: the request is gone, the task is interrupted, and retry asks again', async () => {
    const studio = await shellStudio();
    const { client, root } = studio;
    const task = await client.tasks.create.mutate({ title: 'Lose my OpenCode' });
    await client.tasks.start.mutate({ id: task.id });
    const request = await nextRequest(client, task.id, 'touch once.txt');
    const pid = Number(await fs.readFile(`${root}/.opencode-studio/runtime/opencode.pid`, 'utf8'));
    process.kill(-pid, 'SIGKILL');
    const interrupted = await taskWhere(client, task.id, 'interrupted', (t) => t.run?.state === 'interrupted', 30_000);
    expect(interrupted.error).toMatch(/OpenCode stopped while implementation waited for your answer.*retry/);
    expect(await client.requests.list.query({})).toEqual([]);
    expect(studio.events.some((e) => e.type === 'request.replied' && e.request.id === request.id && e.outcome === 'gone')).toBe(
      true,
    );
    await waitFor(async () => (await client.project.info.query()).opencode.state === 'ready', 'OpenCode back', 60_000);
    await client.tasks.retry.mutate({ id: task.id });
    await nextRequest(client, task.id, 'touch once.txt');
  });

  it('a studio restart while waiting: the request is gone with its OpenCode, the task is interrupted and retry asks again', async () => {
    const first = await shellStudio();
    const task = await first.client.tasks.create.mutate({ title: 'Restart me' });
    await first.client.tasks.start.mutate({ id: task.id });
    await nextRequest(first.client, task.id, 'touch once.txt');
    await first.studio.close();
    const second = await startAgentStudio({
      root: first.root,
      model: first.model,
      opencodeHome: first.opencodeHome,
      opencodePermission: { bash: 'ask', edit: 'allow' },
    });
    const interrupted = await taskWhere(second.client, task.id, 'interrupted', (t) => t.run?.state === 'interrupted', 30_000);
    expect(interrupted.error).toMatch(/studio stopped while implementation was waiting.*retry/);
    expect(await second.client.requests.list.query({})).toEqual([]);
    await waitFor(async () => (await second.client.project.info.query()).opencode.state === 'ready', 'OpenCode ready', 60_000);
    await second.client.tasks.retry.mutate({ id: task.id });
    await nextRequest(second.client, task.id, 'touch once.txt');
  });
});
