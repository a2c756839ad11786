import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoResponder, phaseOf } from '../../server/demo/demo-script.js';
import type { ScriptRequest } from '../../server/demo/scripted-model.js';
import { buildPrompt } from '../../server/orchestrator/prompts.js';
import { type AgentPhase, Task } from '../../shared/task.js';
import { removeTempDirs, tempDir } from '../helpers/temp-repo.js';
import { type Harness, recorder, startHarness } from '../opencode/harness.js';

const task = Task.parse({
  id: 'add-notes',
  title: 'Add release notes',
  status: 'planning',
  order: 1,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
});
const VERIFY = '- How to verify: open this file and check that it names the task.';

/** The studio's real prompt for a phase; a review of a diff that has the verify line once `verified`. */
async function prompt(phase: AgentPhase, verified = false): Promise<string> {
  const dir = await tempDir();
  const diff = `+# Add release notes\n+- Review these notes.\n${verified ? `+${VERIFY}\n` : ''}`;
  return buildPrompt(dir, phase, { task, plan: '## Plan\n1. notes', review: '## Review\nVERDICT: CHANGES_REQUESTED', diff });
}

/** What opencode sends: its system prompt names the working directory, the task's worktree. */
function request(userText: string, toolResults: string[] = [], directory = '/tmp/repo.worktrees/add-notes'): ScriptRequest {
  return {
    system: `You are opencode.\n<env>\n  Working directory: ${directory}\n  Platform: linux\n</env>`,
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
  it('reads the phase from the studio’s own prompts, the title from them and the task from the working directory', async () => {
    for (const phase of ['planning', 'implementation', 'review', 'fix'] as const)
      expect(phaseOf(request(await prompt(phase)))).toEqual({ phase, taskId: 'add-notes', title: 'Add release notes' });
  });

  it('finds nothing in a prompt that is not the studio’s, and the prompts carry no line for it', async () => {
    expect(phaseOf({ ...request('hello'), system: '' })).toEqual({ phase: null, taskId: 'task', title: 'the task' });
    for (const phase of ['planning', 'implementation', 'review', 'fix'] as const)
      expect(await prompt(phase)).not.toMatch(/Studio-/);
  });
});

describe('demoResponder', () => {
  it('requests changes in the first review and approves the next one', async () => {
    const first = await demoResponder(request(await prompt('review')));
    const second = await demoResponder(request(await prompt('review', true)));
    expect('text' in first && first.text.trim().split('\n').at(-1)).toBe('VERDICT: CHANGES_REQUESTED');
    expect('text' in second && second.text.trim().split('\n').at(-1)).toBe('VERDICT: APPROVED');
    expect(first.delayMs).toBeGreaterThanOrEqual(150);
  });

  it('writes the notes, then summarises once the tool result is back', async () => {
    const first = await demoResponder(request(await prompt('implementation')));
    expect(first).toMatchObject({ toolCalls: [{ name: 'write', args: { filePath: 'notes/add-notes.md' } }] });
    const second = await demoResponder(request(await prompt('implementation'), ['Wrote file successfully.']));
    expect('text' in second && second.text).toContain('notes/add-notes.md');
  });

  it('writes the whole file when its fix edit failed', async () => {
    const retry = await demoResponder(request(await prompt('fix'), ['Error: File notes/add-notes.md not found']));
    expect(retry).toMatchObject({ toolCalls: [{ name: 'write' }] });
    const done = await demoResponder(request(await prompt('fix'), ['Edit applied successfully.']));
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
    await removeTempDirs();
  });

  it('plans, implements, reviews and fixes a task end to end', async () => {
    // A folder named after the task, as the studio's worktrees are: the model reads the task id from it.
    const repo = join(h.repo(), 'add-notes');
    mkdirSync(repo);
    const run = async (agent: 'plan' | 'build', phase: AgentPhase, verified = false) =>
      h.runner.runPhase({
        directory: repo,
        agent,
        phase,
        title: `add-notes ${phase}`,
        prompt: await prompt(phase, verified),
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
      prompt: await prompt('implementation'),
      onActivity,
    });
    expect(readFileSync(join(repo, 'notes/add-notes.md'), 'utf8')).toContain('# Add release notes');
    expect(built.text).toContain('notes/add-notes.md');
    expect(entries.some((e) => e.kind === 'tool' && e.state === 'completed' && e.title === 'writing notes/add-notes.md')).toBe(
      true,
    );

    const review = await run('plan', 'review');
    expect(review.text).toMatch(/VERDICT: CHANGES_REQUESTED$/);

    const fixed = await run('build', 'fix');
    expect(fixed.text).toContain('How to verify');
    expect(readFileSync(join(repo, 'notes/add-notes.md'), 'utf8')).toContain('How to verify');

    const approved = await run('plan', 'review', true);
    expect(approved.text).toMatch(/VERDICT: APPROVED$/);
  });
});
