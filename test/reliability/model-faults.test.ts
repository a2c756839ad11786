import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { phaseOf } from '../../server/demo/demo-script.js';
import type { ScriptTurn } from '../../server/demo/scripted-model.js';
import type { ActivityEntry } from '../../shared/activity.js';
import type { Task } from '../../shared/task.js';
import { fastDemoResponder, startAgentStudio, stopModels } from '../helpers/agent-studio.js';
import { stopStudios } from '../helpers/studio.js';
import { removeTempDirs } from '../helpers/temp-repo.js';
import { sleep } from '../helpers/wait.js';
import { measure } from './lib/results.js';

/**
 * A scripted model that misbehaves on purpose under one real `opencode serve` for the file: a
 * rate limit with Retry-After, 5xx, a stream cut mid-answer, a stream that never ends. Each test
 * sets how planning answers (call 1, 2, …); every other request gets the demo script.
 */
let planning: ((call: number) => ScriptTurn) | null = null;
let calls = 0;
let studio: Awaited<ReturnType<typeof startAgentStudio>>;

beforeAll(async () => {
  studio = await startAgentStudio({
    responder: async (req) => {
      if (planning && !req.isTitleRequest && phaseOf(req).phase === 'planning') return planning(++calls);
      return fastDemoResponder(req);
    },
  });
});

afterAll(async () => {
  await stopStudios();
  await stopModels();
  await removeTempDirs();
});

/** Starts a task whose planning answers with `script`, and returns its id. */
async function startWith(title: string, script: (call: number) => ScriptTurn): Promise<string> {
  planning = script;
  calls = 0;
  const task = await studio.client.tasks.create.mutate({ title });
  await studio.client.tasks.start.mutate({ id: task.id });
  return task.id;
}

type Seen = { task: Task; activities: Set<string>; stalledAt: number | null };

/** Polls the task (every 100 ms) until `done`, keeping every card line it showed on the way. */
async function follow(id: string, done: (t: Task) => boolean, timeoutMs = 120_000): Promise<Seen> {
  const activities = new Set<string>();
  let stalledAt: number | null = null;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { task } = await studio.client.tasks.get.query({ id });
    if (task.run?.activity) activities.add(task.run.activity);
    if (task.run?.stalledSince && stalledAt === null) stalledAt = Date.now();
    if (done(task)) return { task, activities, stalledAt };
    if (Date.now() > deadline) throw new Error(`${id}: gave up waiting; last seen ${JSON.stringify(task)}`);
    await sleep(100);
  }
}

const retries = async (id: string) =>
  ((await studio.client.tasks.activity.query({ id })) as ActivityEntry[]).filter(
    (e): e is Extract<ActivityEntry, { kind: 'error' }> => e.kind === 'error' && e.attempt !== undefined,
  );
/** The model answers again and a person presses Retry: seconds until the plan waits for review. */
async function recover(id: string): Promise<number> {
  planning = () => ({ text: '# Plan\n\n1. Go.\n' });
  const retried = Date.now();
  await studio.client.tasks.retry.mutate({ id });
  await follow(id, restsIn('plan_review'));
  return (Date.now() - retried) / 1000;
}

const restsIn = (status: Task['status']) => (t: Task) => t.status === status && !t.run;
const failed = (t: Task) => t.run?.state === 'failed';

describe('a model that fails or stalls (real OpenCode, scripted model)', { timeout: 240_000 }, () => {
  it('429 with Retry-After, then an answer: the card shows OpenCode retrying with the wait, then the phase finishes', async () => {
    await measure('Stalled and failing models', '429 with Retry-After: 2, then an answer', async (m) => {
      const started = Date.now();
      const id = await startWith('Rate limited', (call) =>
        call === 1
          ? { error: { status: 429, message: 'Rate limit reached for requests', retryAfter: 2 } }
          : { text: '# Plan\n\n1. Go.\n' },
      );
      const seen = await follow(id, restsIn('plan_review'));
      const shown = [...seen.activities].find((a) => a.startsWith('retrying'));
      expect(shown).toMatch(/^retrying \(attempt 1, next in \d+ s\)$/);
      const [retry] = await retries(id);
      expect(retry?.retryAt).toBeDefined();
      m.figure('card showed', shown ?? '');
      m.figure('lost', 'nothing (the plan was written)');
      m.figure('seconds from the 429 to Plan review', (Date.now() - Date.parse(retry?.at ?? '')) / 1000);
      m.figure('seconds from start (with OpenCode starting its first session) to Plan review', (Date.now() - started) / 1000);
    });
  });

  it('500 on every call: OpenCode retries with its backoff, shown on the card, then gives up; the phase fails with model-error', async () => {
    await measure('Stalled and failing models', 'HTTP 500 on every call (Retry-After: 1)', async (m) => {
      const started = Date.now();
      // Retry-After keeps OpenCode's backoff to a second a try (without it the six tries take about a minute).
      const id = await startWith('Provider down', () => ({
        error: { status: 500, message: 'upstream exploded', retryAfter: 1 },
      }));
      const seen = await follow(id, failed);
      expect(seen.task.errorReason).toBe('model-error');
      expect(seen.task.error).toContain('upstream exploded');
      expect([...seen.activities].some((a) => /^retrying \(attempt \d+, next in \d+ s\)$/.test(a))).toBe(true);
      m.figure('card showed', [...seen.activities].find((a) => a.startsWith('retrying')) ?? '');
      m.figure('model calls before OpenCode gave up', calls);
      m.figure('seconds to the failure', (Date.now() - started) / 1000);
      m.figure('error', seen.task.error ?? '');
      m.figure('seconds from Retry (provider back) to Plan review', await recover(id));
    });
  });

  it('a stream cut mid-answer: OpenCode retries it itself (shown as retrying), and the next answer finishes the phase', async () => {
    await measure('Stalled and failing models', 'stream cut mid-answer, then an answer', async (m) => {
      const started = Date.now();
      const id = await startWith('Cut stream', (call) =>
        call === 1
          ? { text: 'A partial plan that never ends because the connection', fault: 'cut' }
          : { text: '# Plan\n\n1. Go.\n' },
      );
      const seen = await follow(id, restsIn('plan_review'));
      const [retry] = await retries(id);
      // OpenCode 1.18 words a cut stream as a connection closed or reset, and retries it.
      expect(retry?.message).toMatch(/socket connection was closed unexpectedly|connection reset/i);
      expect([...seen.activities].some((a) => a.startsWith('retrying (attempt 1'))).toBe(true);
      expect(seen.task.error).toBeNull();
      m.figure('OpenCode said', retry?.message.split('\n')[0] ?? '');
      m.figure('lost', 'nothing (OpenCode dropped the partial answer and asked again)');
      m.figure('model calls', calls);
      m.figure('seconds from start to Plan review', (Date.now() - started) / 1000);
    });
  });

  it('a stream that never ends: stalled after phaseStallSeconds, stopped with phase-timeout after phaseTimeoutMinutes; Retry finishes it', async () => {
    await measure('Stalled and failing models', 'stream that never ends (stall 2 s, timeout 0.15 min)', async (m) => {
      await studio.client.config.update.mutate({ phaseStallSeconds: 2, phaseTimeoutMinutes: 0.15 });
      try {
        const started = Date.now();
        const id = await startWith('Hanging stream', () => ({ text: 'Thinking about it', fault: 'hang' }));
        const stalled = await follow(id, (t) => t.run?.state === 'running' && t.run.stalledSince !== undefined);
        m.figure('seconds to the stalled mark', (Date.now() - started) / 1000);
        const seen = await follow(id, failed);
        expect(seen.task.errorReason).toBe('phase-timeout');
        expect(seen.task.run?.stalledSince).toBeUndefined();
        expect(stalled.task.run?.stalledSince).toBeDefined();
        m.figure('seconds to the phase-timeout failure', (Date.now() - started) / 1000);
        m.figure('error', seen.task.error ?? '');
        m.figure('seconds from Retry to Plan review', await recover(id));
        m.figure('lost', 'nothing (the agent slot was freed at the timeout)');
      } finally {
        await studio.client.config.update.mutate({ phaseStallSeconds: 300, phaseTimeoutMinutes: 60 });
      }
    });
  });
});
