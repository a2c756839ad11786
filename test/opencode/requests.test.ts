import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueResponder } from '../../server/demo/scripted-model.js';
import { AgentRunner } from '../../server/opencode/agent-runner.js';
import { type AskedRequest, permissionRules, type RequestSignal } from '../../server/opencode/request-channel.js';
import { type Harness, startHarness, waitFor } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness(queueResponder([]), {}, { permission: { bash: 'ask', question: 'allow' } });
});
afterAll(async () => {
  await h?.close();
});

const base = { agent: 'build', phase: 'implementation', title: 'requests' } as const;
const bash = (command: string) => ({ toolCalls: [{ name: 'bash', args: { command, description: command } }] });

function signals(): { asked: AskedRequest[]; all: RequestSignal[]; onRequest: (s: RequestSignal) => void } {
  const all: RequestSignal[] = [];
  const asked: AskedRequest[] = [];
  return {
    all,
    asked,
    onRequest: (s) => {
      all.push(s);
      if (s.type === 'asked') asked.push(s.request);
    },
  };
}

describe('permissionRules', () => {
  it("turns opencode.json's permission shape into the ruleset a session takes, catch-all first", () => {
    expect(permissionRules(null)).toBeUndefined();
    expect(permissionRules('ask')).toEqual([{ permission: '*', pattern: '*', action: 'ask' }]);
    expect(permissionRules({ edit: 'allow', bash: { '*': 'ask', 'git status': 'allow' } })).toEqual([
      { permission: 'edit', pattern: '*', action: 'allow' },
      { permission: 'bash', pattern: '*', action: 'ask' },
      { permission: 'bash', pattern: 'git status', action: 'allow' },
    ]);
  });
});

describe('requests on a real opencode server with bash: ask', { timeout: 120_000 }, () => {
  it('hands a permission request to the listener and runs the command once it is allowed', async () => {
    h.model.setResponder(queueResponder([bash('touch allowed.txt'), { text: 'Done.' }]));
    const repo = h.repo();
    const s = signals();
    const run = h.runner.runPhase({ ...base, directory: repo, prompt: 'Touch it.', onRequest: s.onRequest });
    await waitFor(() => s.asked.length === 1, 30_000, 'the permission request');
    expect(s.asked[0]).toMatchObject({ kind: 'permission', permission: 'bash', patterns: ['touch allowed.txt'] });
    expect(existsSync(join(repo, 'allowed.txt'))).toBe(false);
    expect(await h.runner.requests.reply(repo, s.asked[0]!.id, 'once')).toBe(true);
    expect((await run).text).toBe('Done.');
    expect(existsSync(join(repo, 'allowed.txt'))).toBe(true);
    expect(s.all.map((x) => x.type)).toEqual(['asked', 'replied', 'ended']);
    // A request OpenCode no longer has answers "not found", not an error.
    expect(await h.runner.requests.reply(repo, s.asked[0]!.id, 'once')).toBe(false);
  });

  it('a ruleset passed with the session overrides the config: nothing is asked', async () => {
    h.model.setResponder(queueResponder([bash('touch free.txt'), { text: 'Done.' }]));
    const repo = h.repo();
    const s = signals();
    await h.runner.runPhase({
      ...base,
      directory: repo,
      prompt: 'Go.',
      onRequest: s.onRequest,
      permission: permissionRules({ bash: 'allow' }),
    });
    expect(s.asked).toEqual([]);
    expect(existsSync(join(repo, 'free.txt'))).toBe(true);
  });

  it('a question reaches the listener with its options and the answer reaches the model', async () => {
    const question = {
      question: 'Which database?',
      header: 'Database',
      options: [
        { label: 'SQLite', description: 'a file' },
        { label: 'Postgres', description: 'a server' },
      ],
    };
    h.model.setResponder(
      queueResponder([{ toolCalls: [{ name: 'question', args: { questions: [question] } }] }, { text: 'Noted.' }]),
    );
    const repo = h.repo();
    const s = signals();
    const run = h.runner.runPhase({ ...base, directory: repo, prompt: 'Ask me.', onRequest: s.onRequest });
    await waitFor(() => s.asked.length === 1, 30_000, 'the question');
    expect(s.asked[0]).toMatchObject({ kind: 'question', questions: [question] });
    expect(await h.runner.requests.answer(repo, s.asked[0]!.id, [['Postgres']])).toBe(true);
    await run;
    expect(h.model.requests.at(-1)?.toolResults.join('\n')).toContain('Postgres');
  });

  it('a runner that resumes the session (a studio restart) is told the requests still pending', async () => {
    h.model.setResponder(queueResponder([bash('touch later.txt'), { text: 'Later.' }]));
    const repo = h.repo();
    const first = new AgentRunner({ url: h.opencode.status.url!, authHeader: h.opencode.authHeader() });
    const s1 = signals();
    let sessionId = '';
    const abandoned = first
      .runPhase({ ...base, directory: repo, prompt: 'Go.', onRequest: s1.onRequest, onSession: (id) => (sessionId = id) })
      .catch((e: unknown) => e);
    await waitFor(() => s1.asked.length === 1, 30_000, 'the permission request');
    first.close();
    await abandoned;
    const s2 = signals();
    const resumed = h.runner.resume({ directory: repo, sessionId, phase: 'implementation', onRequest: s2.onRequest });
    await waitFor(() => s2.asked.length === 1, 30_000, 'the request listed again');
    expect(s2.asked[0]?.id).toBe(s1.asked[0]?.id);
    await h.runner.requests.reply(repo, s2.asked[0]!.id, 'once');
    expect((await resumed).text).toBe('Later.');
    expect(existsSync(join(repo, 'later.txt'))).toBe(true);
  });
});
