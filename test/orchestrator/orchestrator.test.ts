import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, it, type TestContext } from 'vitest';
import type { TaskStatus } from '../../shared/task.js';
import { reasonOf } from '../helpers/failure.js';
import { FakeAgent, fakeAgentStudio } from '../helpers/fake-agent.js';
import { startStudioFor, stopStudios } from '../helpers/studio.js';
import { git, removeTempDirs } from '../helpers/temp-repo.js';
import { waitFor } from '../helpers/wait.js';

afterAll(async () => {
  await stopStudios();
  await removeTempDirs();
});

/** A studio of the test's own over `agent`, stopped when the test ends: the tests run at once (their phases wait on git). */
async function studioWith(ctx: TestContext, agent = new FakeAgent()) {
  const studio = await startStudioFor(ctx, { agent: fakeAgentStudio(agent) });
  const settled = (id: string, status: TaskStatus) =>
    waitFor(async () => {
      const { task } = await studio.client.tasks.get.query({ id });
      if (task.run?.state === 'failed') throw new Error(`failed: ${task.error}`);
      return task.status === status && !task.run ? task : null;
    }, `the task to settle in ${status}`);
  return { ...studio, agent, settled };
}

describe.concurrent('the orchestrator over an injected agent (no OpenCode)', () => {
  it('walks the whole lifecycle: plan, approve, implement, review, merge', async (ctx) => {
    const { expect } = ctx;
    const { client, root, agent, settled } = await studioWith(ctx);
    const task = await client.tasks.create.mutate({ title: 'Say hello' });
    await client.tasks.start.mutate({ id: task.id });
    await settled(task.id, 'plan_review');
    expect((await client.tasks.get.query({ id: task.id })).plan).toContain('Write hello.txt');
    await client.tasks.approvePlan.mutate({ id: task.id });
    const reviewed = await settled(task.id, 'review');
    expect(reviewed.verdict).toBe('approved');
    expect(agent.calls.map((c) => [c.phase, c.agent])).toEqual([
      ['planning', 'plan'],
      ['implementation', 'build'],
      ['review', 'plan'],
    ]);
    await client.tasks.merge.mutate({ id: task.id });
    expect((await client.tasks.get.query({ id: task.id })).task.status).toBe('done');
    expect(await fs.readFile(path.join(root, 'hello.txt'), 'utf8')).toBe('hello\n');
  });

  it('a review that asks for changes runs a fix, then reviews again', async (ctx) => {
    const { expect } = ctx;
    const agent = new FakeAgent({ review: [{ text: 'Missing a comma.\n\nVERDICT: CHANGES_REQUESTED' }] });
    const { client, root, settled } = await studioWith(ctx, agent);
    const task = await client.tasks.create.mutate({ title: 'Fix me' });
    await client.tasks.start.mutate({ id: task.id });
    await settled(task.id, 'plan_review');
    await client.tasks.approvePlan.mutate({ id: task.id });
    const done = await settled(task.id, 'review');
    expect(agent.calls.map((c) => c.phase)).toEqual(['planning', 'implementation', 'review', 'fix', 'review']);
    expect(done).toMatchObject({ verdict: 'approved', iteration: 1 });
    expect(git(root, 'log', '--format=%s', `studio/${task.id}`)).toMatch(/\(fix 1\)/);
  });

  it('with requirePlanApproval off, planning goes straight on to implementation', async (ctx) => {
    const { expect } = ctx;
    const { client, settled, agent } = await studioWith(ctx);
    await client.config.update.mutate({ requirePlanApproval: false });
    const task = await client.tasks.create.mutate({ title: 'No approval' });
    await client.tasks.start.mutate({ id: task.id });
    await settled(task.id, 'review');
    expect(agent.calls.map((c) => c.phase)).toEqual(['planning', 'implementation', 'review']);
  });

  it('refusals carry the reason codes; a failed phase can be retried', async (ctx) => {
    const { expect } = ctx;
    const agent = new FakeAgent({ planning: [{ text: '', fail: 'the model said no' }] });
    const { client } = await studioWith(ctx, agent);
    const task = await client.tasks.create.mutate({ title: 'Refusals' });
    expect(await reasonOf(client.tasks.approvePlan.mutate({ id: task.id }))).toBe('not-allowed-now');
    expect(await reasonOf(client.tasks.merge.mutate({ id: task.id }))).toBe('not-allowed-now');
    expect(await reasonOf(client.tasks.retry.mutate({ id: task.id }))).toBe('nothing-to-retry');
    expect(await reasonOf(client.tasks.abort.mutate({ id: task.id }))).toBe('not-running');
    await client.tasks.start.mutate({ id: task.id });
    const failed = await waitFor(async () => {
      const { task: t } = await client.tasks.get.query({ id: task.id });
      return t.run?.state === 'failed' ? t : null;
    }, 'the planning phase to fail');
    expect(failed.error).toMatch(/planning failed: the model said no/);
    expect(await reasonOf(client.tasks.start.mutate({ id: task.id }))).toBe('not-allowed-now');
    await client.tasks.retry.mutate({ id: task.id });
    await waitFor(async () => (await client.tasks.get.query({ id: task.id })).task.status === 'plan_review', 'plan review');
  });
});
