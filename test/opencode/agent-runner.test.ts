import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueResponder } from '../../server/demo/scripted-model.js';
import { AgentRunner, PhaseAbortedError, PhaseFailedError } from '../../server/opencode/agent-runner.js';
import { type Harness, recorder, startHarness, waitFor } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness(queueResponder([]));
});
afterAll(async () => {
  await h?.close();
});

const base = { agent: 'build', phase: 'implementation', title: 'test run' } as const;

describe('AgentRunner on a real opencode server', () => {
  it('runs a write tool call, returns the final text with tokens, and reports the tool', async () => {
    h.model.setResponder(
      queueResponder([
        { toolCalls: [{ name: 'write', args: { filePath: 'notes/hello.md', content: '# Hello\n' } }] },
        { text: 'I created notes/hello.md with a heading.' },
      ]),
    );
    const repo = h.repo();
    const { entries, onActivity } = recorder();
    const sessions: string[] = [];
    const result = await h.runner.runPhase({
      ...base,
      directory: repo,
      prompt: 'Create the notes file.',
      onActivity,
      onSession: (id) => sessions.push(id),
    });

    expect(readFileSync(join(repo, 'notes/hello.md'), 'utf8')).toBe('# Hello\n');
    expect(result.text).toBe('I created notes/hello.md with a heading.');
    expect(result.tokens).toBeGreaterThan(0);
    expect(result.durationMs).toBeGreaterThan(0);
    expect(sessions).toEqual([result.sessionId]);

    const tools = entries.filter((e) => e.kind === 'tool');
    expect(tools.map((e) => e.state)).toEqual(['running', 'completed']);
    expect(tools[1]).toMatchObject({ tool: 'write', title: 'writing notes/hello.md', phase: 'implementation' });
    expect(tools[1]?.kind === 'tool' && tools[1].durationMs).toBeGreaterThanOrEqual(0);
    const texts = entries.filter((e) => e.kind === 'text');
    expect(texts.map((e) => e.text)).toEqual(['I created notes/hello.md with a heading.']);
    expect(entries.filter((e) => e.kind === 'step').length).toBe(2);
    // The model saw the prompt, then the tool result.
    expect(h.model.requests.at(-1)?.toolResults).toEqual(['Wrote file successfully.']);
  });

  it('fails within seconds with the model message when the model answers 4xx', async () => {
    h.model.setResponder(queueResponder([{ error: { status: 400, message: 'context too long for this scripted model' } }]));
    const { entries, onActivity } = recorder();
    const started = Date.now();
    const run = h.runner.runPhase({ ...base, directory: h.repo(), prompt: 'Anything.', onActivity });
    const error = await run.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PhaseFailedError);
    expect((error as PhaseFailedError).message).toContain('context too long for this scripted model');
    expect((error as PhaseFailedError).sessionId).toMatch(/^ses_/);
    expect(Date.now() - started).toBeLessThan(45_000);
    expect(entries.some((e) => e.kind === 'error' && e.message.includes('context too long'))).toBe(true);
  });

  it('aborts a running phase through its signal', async () => {
    h.model.setResponder(queueResponder([{ text: 'too late', delayMs: 30_000 }]));
    const controller = new AbortController();
    const asked = h.model.requests.length;
    const run = h.runner.runPhase({ ...base, directory: h.repo(), prompt: 'Take your time.', signal: controller.signal });
    await waitFor(() => h.model.requests.length > asked, 20_000, 'the model request');
    const started = Date.now();
    controller.abort();
    await expect(run).rejects.toBeInstanceOf(PhaseAbortedError);
    expect(Date.now() - started).toBeLessThan(8_000);
  });

  it('reports retries of a 5xx and still finishes', async () => {
    h.model.setResponder(queueResponder([{ error: { status: 503, message: 'overloaded' } }, { text: 'Recovered.' }]));
    const { entries, onActivity } = recorder();
    const result = await h.runner.runPhase({ ...base, directory: h.repo(), prompt: 'Try.', onActivity });
    expect(result.text).toBe('Recovered.');
    expect(entries.some((e) => e.kind === 'error' && e.message.startsWith('retrying (attempt 1)'))).toBe(true);
  });

  it('resumes a session started by another runner, as after a studio restart', async () => {
    h.model.setResponder(queueResponder([{ text: 'Finished while you were away.', delayMs: 1_500 }]));
    const repo = h.repo();
    const first = new AgentRunner({ url: h.opencode.status.url!, authHeader: h.opencode.authHeader() });
    let sessionId = '';
    const abandoned = first
      .runPhase({ ...base, directory: repo, prompt: 'Go.', onSession: (id) => (sessionId = id) })
      .catch((e: unknown) => e);
    await waitFor(() => sessionId !== '', 20_000, 'the session');
    await waitFor(() => h.model.requests.at(-1)?.userText === 'Go.', 20_000, 'the model request');
    first.close();
    expect(await abandoned).toBeInstanceOf(PhaseFailedError);

    expect(await h.runner.sessionBusy(repo, sessionId)).toBe(true);
    const result = await h.runner.resume({ directory: repo, sessionId, phase: 'implementation' });
    expect(result).toMatchObject({ sessionId, text: 'Finished while you were away.' });
    expect(await h.runner.sessionBusy(repo, sessionId)).toBe(false);
    // Resuming a session that is already done returns its result at once.
    const again = await h.runner.resume({ directory: repo, sessionId, phase: 'implementation' });
    expect(again.text).toBe('Finished while you were away.');
  });

  it('refuses a permission request instead of hanging', async () => {
    h.model.setResponder(
      queueResponder([{ toolCalls: [{ name: 'read', args: { filePath: '/etc/hostname' } }] }, { text: 'Could not read it.' }]),
    );
    const { entries, onActivity } = recorder();
    const result = await h.runner.runPhase({ ...base, directory: h.repo(), prompt: 'Read outside.', onActivity });
    expect(result.text).toBe('Could not read it.');
    expect(entries.some((e) => e.kind === 'error' && e.message.includes('external_directory'))).toBe(true);
    expect(entries.some((e) => e.kind === 'tool' && e.state === 'error')).toBe(true);
  });

  it('fails quickly and readably when the server cannot be reached', async () => {
    const runner = new AgentRunner({ url: 'http://127.0.0.1:9', connectTimeoutMs: 1_000 });
    const run = runner.runPhase({ ...base, directory: h.repo(), prompt: 'x' });
    await expect(run).rejects.toThrow(/cannot reach OpenCode at http:\/\/127\.0\.0\.1:9: /);
    runner.close();
  });

  it('does not start a phase whose signal is already aborted', async () => {
    const asked = h.model.requests.length;
    const run = h.runner.runPhase({ ...base, directory: h.repo(), prompt: 'x', signal: AbortSignal.abort() });
    await expect(run).rejects.toBeInstanceOf(PhaseAbortedError);
    expect(h.model.requests.length).toBe(asked);
  });

  it("fails a run on an unknown model with opencode's message", async () => {
    h.model.setResponder(queueResponder([{ text: 'unused' }]));
    const run = h.runner.runPhase({ ...base, directory: h.repo(), prompt: 'x', model: 'nope/nothing' });
    await expect(run).rejects.toThrow(/Model not found: nope\/nothing/);
    expect(existsSync(join(h.root, 'nothing'))).toBe(false);
  });
});
