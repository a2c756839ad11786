import fs from 'node:fs/promises';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { phaseOf } from '../../server/demo/demo-script.js';
import { startAgentStudio, stopModels, waitStatus } from '../helpers/agent-studio.js';
import { stopStudios } from '../helpers/studio.js';
import { git, removeTempDirs } from '../helpers/temp-repo.js';
import { waitFor } from '../helpers/wait.js';

afterEach(async () => {
  await stopStudios();
  await stopModels();
});
afterAll(removeTempDirs);

describe('a task from todo to done with a real opencode and the scripted model', { timeout: 180_000 }, () => {
  it('plans, takes the hand-edited plan, implements, reviews, fixes, merges', async () => {
    const { client, root, model } = await startAgentStudio();
    await waitFor(async () => (await client.project.info.query()).opencode.state === 'ready', 'OpenCode ready', 60_000);
    // Models per phase from config.json reach OpenCode (an unknown one would fail the phase).
    await client.config.update.mutate({ models: { planning: 'scripted/scripted', review: 'scripted/scripted' } });
    const task = await client.tasks.create.mutate({ title: 'Write release notes', description: 'Summarise the release.' });

    await client.tasks.start.mutate({ id: task.id });
    const planned = await waitStatus(client, task.id, 'plan_review');
    expect(planned.branch).toBe(`studio/${task.id}`);
    const plan = await fs.readFile(`${root}/.opencode-studio/plans/${task.id}.md`, 'utf8');
    expect(plan).toMatch(/## Plan/);

    // A person edits the plan by hand before approving: the implementation prompt must carry the edit.
    await fs.writeFile(`${root}/.opencode-studio/plans/${task.id}.md`, `${plan}\n4. HAND-EDITED STEP: mention the date.\n`);
    await client.tasks.approvePlan.mutate({ id: task.id });
    const reviewed = await waitStatus(client, task.id, 'review', 90_000);
    const implementationPrompt = model.requests.find((r) => phaseOf(r).phase === 'implementation');
    expect(implementationPrompt?.userText).toContain('HAND-EDITED STEP');

    // One review asked for changes, a fix ran, the second review approved.
    expect(reviewed).toMatchObject({ verdict: 'approved', iteration: 1, error: null });
    expect(model.requests.filter((r) => phaseOf(r).phase === 'review')).toHaveLength(2);
    expect(model.requests.some((r) => phaseOf(r).phase === 'fix')).toBe(true);
    const review = await fs.readFile(`${root}/.opencode-studio/reviews/${task.id}.md`, 'utf8');
    expect(review.trim().split('\n').at(-1)).toBe('VERDICT: APPROVED');
    expect(reviewed.usage.tokens).toBeGreaterThan(0);

    // The worktree branch has the agent's file, committed, without .opencode-studio/.
    const diff = await client.tasks.diff.query({ id: task.id });
    expect(diff.files.map((f) => f.path)).toEqual([`notes/${task.id}.md`]);
    expect(diff.patch).toContain(`+++ b/notes/${task.id}.md`);
    const activity = await client.tasks.activity.query({ id: task.id });
    expect(activity.some((e) => e.kind === 'tool' && e.tool === 'write' && e.state === 'completed')).toBe(true);

    const done = await client.tasks.merge.mutate({ id: task.id });
    expect(done.status).toBe('done');
    expect(await fs.readFile(`${root}/notes/${task.id}.md`, 'utf8')).toMatch(/How to verify/i);
    expect(git(root, 'log', '-1', '--format=%P').split(' ')).toHaveLength(2);
    expect(git(root, 'branch', '--list', `studio/${task.id}`)).toBe('');
    expect(git(root, 'worktree', 'list')).not.toContain(task.id);
  });
});
