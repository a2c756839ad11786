import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoResponder, phaseOf } from '../../server/demo/demo-script.js';
import type { ScriptRequest } from '../../server/demo/scripted-model.js';
import { type Harness, recorder, startHarness } from '../opencode/harness.js';

function prompt(phase: string, iteration = 0): string {
  return [
    `Studio-Phase: ${phase}`,
    'Studio-Task: add-notes',
    'Studio-Title: Add release notes',
    `Studio-Iteration: ${iteration}`,
    '',
    'Do the work.',
  ].join('\n');
}

function request(userText: string, toolResults: string[] = []): ScriptRequest {
  return {
    system: '',
    userText,
    allUserText: userText,
    lastRole: toolResults.length ? 'tool' : 'user',
    toolResults,
    isTitleRequest: false,
    hasTools: true,
    toolNames: [],
  };
}

describe('phaseOf', () => {
  it('reads the studio markers', () => {
    expect(phaseOf(request(prompt('review', 2)))).toEqual({
      phase: 'review',
      taskId: 'add-notes',
      title: 'Add release notes',
      iteration: 2,
    });
  });

  it('tolerates a prompt without markers', () => {
    expect(phaseOf(request('hello'))).toEqual({ phase: null, taskId: 'task', title: 'the task', iteration: 0 });
  });
});

describe('demoResponder', () => {
  it('requests changes in the first review and approves the next one', async () => {
    const first = await demoResponder(request(prompt('review', 0)));
    const second = await demoResponder(request(prompt('review', 1)));
    expect('text' in first && first.text.trim().split('\n').at(-1)).toBe('VERDICT: CHANGES_REQUESTED');
    expect('text' in second && second.text.trim().split('\n').at(-1)).toBe('VERDICT: APPROVED');
    expect(first.delayMs).toBeGreaterThanOrEqual(150);
  });

  it('writes the notes, then summarises once the tool result is back', async () => {
    const first = await demoResponder(request(prompt('implementation')));
    expect(first).toMatchObject({ toolCalls: [{ name: 'write', args: { filePath: 'notes/add-notes.md' } }] });
    const second = await demoResponder(request(prompt('implementation'), ['Wrote file successfully.']));
    expect('text' in second && second.text).toContain('notes/add-notes.md');
  });

  it('writes the whole file when its fix edit failed', async () => {
    const retry = await demoResponder(request(prompt('fix', 1), ['Error: File notes/add-notes.md not found']));
    expect(retry).toMatchObject({ toolCalls: [{ name: 'write' }] });
    const done = await demoResponder(request(prompt('fix', 1), ['Edit applied successfully.']));
    expect('text' in done && done.text).toContain('How to verify');
  });
});

describe('the demo script on a real opencode server', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(demoResponder);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('plans, implements, reviews and fixes a task end to end', async () => {
    const repo = h.repo();
    const run = (agent: 'plan' | 'build', phase: 'planning' | 'implementation' | 'review' | 'fix', iteration = 0) =>
      h.runner.runPhase({
        directory: repo,
        agent,
        phase,
        title: `add-notes ${phase}`,
        prompt: prompt(phase, iteration),
        ...recorder(),
      });

    const plan = await run('plan', 'planning');
    expect(plan.text).toMatch(/^## Plan/);
    expect(plan.text).toContain('notes/add-notes.md');

    const { entries, onActivity } = recorder();
    const built = await h.runner.runPhase({
      directory: repo,
      agent: 'build',
      phase: 'implementation',
      title: 'impl',
      prompt: prompt('implementation'),
      onActivity,
    });
    expect(readFileSync(join(repo, 'notes/add-notes.md'), 'utf8')).toContain('# Add release notes');
    expect(built.text).toContain('notes/add-notes.md');
    expect(entries.some((e) => e.kind === 'tool' && e.state === 'completed' && e.title === 'writing notes/add-notes.md')).toBe(
      true,
    );

    const review = await run('plan', 'review', 0);
    expect(review.text).toMatch(/VERDICT: CHANGES_REQUESTED$/);

    const fixed = await run('build', 'fix', 1);
    expect(fixed.text).toContain('How to verify');
    expect(readFileSync(join(repo, 'notes/add-notes.md'), 'utf8')).toContain('How to verify');

    const approved = await run('plan', 'review', 1);
    expect(approved.text).toMatch(/VERDICT: APPROVED$/);
  });
});
