import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { InvalidInputError, NotFoundError, PreconditionError } from '../../server/errors.js';
import type { AskedRequest, RequestAnswers } from '../../server/opencode/request-channel.js';
import { RequestService } from '../../server/orchestrator/requests.js';
import type { ActivityEntry } from '../../shared/activity.js';
import { failureOf } from '../helpers/failure.js';
import { startStudio, stopStudios } from '../helpers/studio.js';
import { removeTempDirs } from '../helpers/temp-repo.js';
import { waitFor } from '../helpers/wait.js';
import { openWatchedStore } from '../store/store-fixture.js';

afterEach(stopStudios);
afterAll(removeTempDirs);

/** The agent's side of the answers, recorded; `has` says which requests it still holds. */
function fakeAnswers(has: Set<string>) {
  const sent: string[] = [];
  const record = (line: string) => {
    sent.push(line);
    return has.has(line.split(' ')[0]!);
  };
  const answers: RequestAnswers = {
    reply: async (_dir, id, reply, message) => record(`${id} ${reply}${message ? ` ${message}` : ''}`),
    answer: async (_dir, id, list) => record(`${id} ${JSON.stringify(list)}`),
    dismiss: async (_dir, id) => record(`${id} dismissed`),
  };
  return { sent, answers };
}

const asked = (id: string, patterns = ['npm test']): AskedRequest => ({
  id,
  sessionId: 'ses_1',
  kind: 'permission',
  permission: 'bash',
  patterns,
  metadata: { command: patterns[0] },
  askedAt: new Date().toISOString(),
});

async function setup() {
  const { store, rec, bus } = await openWatchedStore();
  const has = new Set(['per_1', 'per_2']);
  const { sent, answers } = fakeAnswers(has);
  const activity: ActivityEntry[] = [];
  bus.on((e) => e.type === 'activity.appended' && activity.push(...e.entries));
  const service = new RequestService(store, bus, async () => ({ requests: answers }));
  const task = await store.tasks.create({ title: 'Run the tests' });
  const other = await store.tasks.create({ title: 'Other' });
  await store.tasks.patch(task.id, {
    status: 'in_progress',
    run: { phase: 'implementation', state: 'running', sessionId: 'ses_1', startedAt: null, activity: null, feedback: null },
  });
  const listen = service.listener(task.id, 'implementation', '/tmp/worktree');
  return { store, rec, bus, has, sent, activity, service, task, other, listen };
}

describe('RequestService', () => {
  it('a request makes the task wait, holding its slot; the answer lets it run again', async () => {
    const { store, rec, sent, service, task, listen } = await setup();
    listen({ type: 'asked', request: asked('per_1') });
    await waitFor(() => store.tasks.get(task.id).run?.state === 'waiting', 'the task to wait');
    expect(store.tasks.get(task.id).run?.activity).toBe('needs you: bash: npm test (holds its agent slot)');
    expect(service.list(task.id)).toEqual([expect.objectContaining({ id: 'per_1', taskId: task.id, kind: 'permission' })]);
    expect(service.list()).toHaveLength(1);
    expect(rec.of('request.asked')).toEqual([expect.objectContaining({ taskId: task.id })]);

    await service.reply({ taskId: task.id, requestId: 'per_1', reply: 'reject', message: 'not now' });
    expect(sent).toEqual(['per_1 reject not now']);
    await waitFor(() => store.tasks.get(task.id).run?.state === 'running', 'the task to run again');
    expect(store.tasks.get(task.id).run?.activity).toBeNull();
    expect(rec.of('request.replied').map((e) => e.outcome)).toEqual(['reject']);
    expect(service.list()).toEqual([]);
  });

  it('refuses by name: an unknown or answered request, one of another task, and the wrong kind of answer', async () => {
    const { service, task, other, listen } = await setup();
    listen({ type: 'asked', request: asked('per_1') });
    const unknown = service.reply({ taskId: task.id, requestId: 'per_9', reply: 'once' });
    await expect(unknown).rejects.toThrow(NotFoundError);
    await expect(unknown).rejects.toThrow(/per_9/);
    await expect(service.reply({ taskId: other.id, requestId: 'per_1', reply: 'once' })).rejects.toThrow(InvalidInputError);
    await expect(service.answer({ taskId: task.id, requestId: 'per_1', answers: [['a']] })).rejects.toThrow(
      /per_1 is a permission request/,
    );
    await expect(service.reply({ taskId: 'no-such-task', requestId: 'per_1', reply: 'once' })).rejects.toThrow(NotFoundError);
    expect(service.list(task.id)).toHaveLength(1);
  });

  it('a request the agent no longer has is dropped and answers NOT_FOUND; the end of a run drops the rest', async () => {
    const { store, rec, has, service, task, listen } = await setup();
    listen({ type: 'asked', request: asked('per_1') });
    listen({ type: 'asked', request: asked('per_2', ['rm -rf build']) });
    has.delete('per_1');
    await expect(service.reply({ taskId: task.id, requestId: 'per_1', reply: 'once' })).rejects.toThrow(/per_1 is gone/);
    expect(service.list(task.id).map((r) => r.id)).toEqual(['per_2']);
    await waitFor(() => store.tasks.get(task.id).run?.activity?.includes('rm -rf build'), 'the card to show the next request');
    listen({ type: 'ended' });
    expect(service.list()).toEqual([]);
    expect(rec.of('request.replied').map((e) => `${e.request.id} ${e.outcome}`)).toEqual(['per_1 gone', 'per_2 gone']);
    // Whoever ends the run sets its state: the end of the session alone does not make it running again.
    await store.tasks.update(task.id, () => null); // queued behind any update the end of the session made
    expect(store.tasks.get(task.id).run?.state).toBe('waiting');
  });

  it('unattended: the request is refused at once, and the card and the activity say what was refused', async () => {
    const { store, sent, activity, service, task, listen } = await setup();
    await store.config.update({ unattended: true });
    listen({ type: 'asked', request: asked('per_1', ['curl example.com']) });
    await waitFor(() => sent.length === 1, 'the refusal');
    expect(sent[0]).toMatch(/^per_1 reject Refused: this studio runs unattended/);
    await waitFor(() => store.tasks.get(task.id).run?.activity === 'refused bash: curl example.com (unattended)', 'the card');
    expect(store.tasks.get(task.id).run?.state).toBe('running');
    expect(store.tasks.get(task.id).refused).toEqual(['bash: curl example.com']);
    expect(service.list()).toEqual([]);
    expect(activity).toContainEqual(
      expect.objectContaining({ kind: 'error', message: 'refused bash: curl example.com (unattended)' }),
    );
  });

  it('an agent that cannot be reached is a precondition failure, and the request stays', async () => {
    const { store, bus, task } = await setup();
    const service = new RequestService(store, bus, async () => {
      throw new PreconditionError('OpenCode is not available', 'opencode-unavailable');
    });
    service.listener(task.id, 'implementation', '/tmp/w')({ type: 'asked', request: asked('per_1') });
    await expect(service.reply({ taskId: task.id, requestId: 'per_1', reply: 'once' })).rejects.toThrow(/not available/);
    expect(service.list()).toHaveLength(1);
  });
});

describe('config: permission and unattended', () => {
  it('takes an OpenCode ruleset and refuses one of another shape, naming the field', async () => {
    const { client } = await startStudio();
    const config = await client.config.update.mutate({
      permission: { bash: { '*': 'ask', 'npm test': 'allow' } },
      unattended: true,
    });
    expect(config).toMatchObject({ permission: { bash: { '*': 'ask', 'npm test': 'allow' } }, unattended: true });
    expect(await failureOf(client.config.update.mutate({ permission: { bash: 'sometimes' } as never }))).toMatch(
      /^BAD_REQUEST: .*permission/,
    );
    expect((await client.config.get.query()).permission).toEqual({ bash: { '*': 'ask', 'npm test': 'allow' } });
    expect(await client.requests.list.query({})).toEqual([]);
  });
});
