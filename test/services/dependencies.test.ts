import fs from 'node:fs/promises';
import { afterAll, describe, it, type TestContext } from 'vitest';
import type { TaskStatus } from '../../shared/task.js';
import { failureOf, reasonOf } from '../helpers/failure.js';
import { fakeAgentStudio } from '../helpers/fake-agent.js';
import { startStudioFor, stopStudios } from '../helpers/studio.js';
import { removeTempDirs } from '../helpers/temp-repo.js';
import { waitFor } from '../helpers/wait.js';

afterAll(async () => {
  await stopStudios();
  await removeTempDirs();
});

const taskFile = (root: string, id: string) => `${root}/.opencode-studio/tasks/${id}.json`;

/**
 * A studio whose orchestrator is real and whose agent answers at once (test/helpers/fake-agent.ts),
 * the test's own and stopped when it ends: the tests run at once (their phases wait on git).
 */
async function studioWithAgent(ctx: TestContext) {
  const studio = await startStudioFor(ctx, { agent: fakeAgentStudio() });
  const settled = (id: string, status: TaskStatus) =>
    waitFor(
      async () => {
        const { task } = await studio.client.tasks.get.query({ id });
        if (task.run?.state === 'failed') throw new Error(`failed: ${task.error}`);
        return task.status === status && !task.run ? task : null;
      },
      `the task to settle in ${status}`,
      30_000,
    );
  return { ...studio, settled };
}

describe.concurrent('task dependencies', () => {
  it('create and update take dependsOn and autoStart; unknown tasks and cycles are refused and change nothing', async (ctx) => {
    const { expect } = ctx;
    const { client, root } = await startStudioFor(ctx);
    const a = await client.tasks.create.mutate({ title: 'Schema' });
    const b = await client.tasks.create.mutate({ title: 'API', dependsOn: [a.id], autoStart: true });
    expect(b).toMatchObject({ dependsOn: [a.id], autoStart: true });
    const onDisk = JSON.parse(await fs.readFile(taskFile(root, b.id), 'utf8'));
    expect(onDisk).toMatchObject({ dependsOn: [a.id], autoStart: true });
    const c = await client.tasks.create.mutate({ title: 'UI', dependsOn: [b.id] });

    expect(await failureOf(client.tasks.create.mutate({ title: 'x', dependsOn: ['no-such-task'] }))).toMatch(
      /^BAD_REQUEST: dependsOn: there is no task "no-such-task"/,
    );
    const before = await fs.readFile(taskFile(root, a.id), 'utf8');
    const cycle = await failureOf(client.tasks.update.mutate({ id: a.id, dependsOn: [c.id] }));
    expect(cycle).toBe(
      `BAD_REQUEST: dependsOn would make a dependency cycle: "Schema" (${a.id}) → "UI" (${c.id}) → "API" (${b.id}) → "Schema" (${a.id})`,
    );
    expect(await reasonOf(client.tasks.update.mutate({ id: a.id, dependsOn: [c.id] }))).toBe('dependency-cycle');
    expect(await reasonOf(client.tasks.update.mutate({ id: a.id, dependsOn: [a.id] }))).toBe('dependency-cycle');
    expect(await fs.readFile(taskFile(root, a.id), 'utf8')).toBe(before);
    expect(await failureOf(client.tasks.update.mutate({ id: a.id, dependsOn: ['Not An Id'] }))).toMatch(
      /^BAD_REQUEST: dependsOn/,
    );

    const updated = await client.tasks.update.mutate({ id: c.id, dependsOn: [a.id, b.id, a.id], autoStart: true });
    expect(updated).toMatchObject({ dependsOn: [a.id, b.id], autoStart: true });
  });

  it('starting a blocked task, by the action or by a drag to Planning, is refused naming its blockers', async (ctx) => {
    const { expect } = ctx;
    const { client, settled } = await studioWithAgent(ctx);
    const a = await client.tasks.create.mutate({ title: 'Schema' });
    const b = await client.tasks.create.mutate({ title: 'API', dependsOn: [a.id] });
    const refused = await failureOf(client.tasks.start.mutate({ id: b.id }));
    expect(refused).toBe(`PRECONDITION_FAILED: "API" is blocked: it waits for "Schema" (${a.id}) to be Done (merged) first`);
    expect(await reasonOf(client.tasks.start.mutate({ id: b.id }))).toBe('blocked');
    expect(await reasonOf(client.tasks.move.mutate({ id: b.id, status: 'planning' }))).toBe('blocked');
    expect((await client.tasks.get.query({ id: b.id })).task.status).toBe('todo');
    // Without the dependency, it starts.
    await client.tasks.update.mutate({ id: b.id, dependsOn: [] });
    await client.tasks.move.mutate({ id: b.id, status: 'planning' });
    await settled(b.id, 'plan_review');
  });

  it('when the last dependency is merged, a task with autoStart starts by itself; one without autoStart waits for a person', async (ctx) => {
    const { expect } = ctx;
    const { client, studio, settled } = await studioWithAgent(ctx);
    await client.config.update.mutate({ maxParallel: 1 });
    const a = await client.tasks.create.mutate({ title: 'First' });
    const other = await client.tasks.create.mutate({ title: 'Second dependency' });
    const b = await client.tasks.create.mutate({ title: 'Then', dependsOn: [a.id, other.id], autoStart: true });
    const manual = await client.tasks.create.mutate({ title: 'Manual', dependsOn: [a.id] });
    for (const id of [a.id, other.id]) {
      await client.tasks.start.mutate({ id });
      await settled(id, 'plan_review');
      await client.tasks.approvePlan.mutate({ id });
      await settled(id, 'review');
    }
    await client.tasks.merge.mutate({ id: a.id });
    await studio.services.dependencies.idle(); // it has reacted to the merge
    expect((await client.tasks.get.query({ id: b.id })).task.status, 'one dependency is still in Review').toBe('todo');
    await client.tasks.merge.mutate({ id: other.id });
    await settled(b.id, 'plan_review');
    expect((await client.tasks.get.query({ id: manual.id })).task.status, 'no autoStart: it waits for a person').toBe('todo');
    await studio.services.dependencies.idle();
    const activity = await client.tasks.activity.query({ id: b.id });
    expect(activity.some((e) => e.kind === 'note' && /started by itself/.test(e.text))).toBe(true);
  });

  it('a cycle made by editing files by hand raises the banner naming the files, keeps the tasks blocked, and clears when broken', async (ctx) => {
    const { expect } = ctx;
    const { client, root } = await studioWithAgent(ctx);
    const a = await client.tasks.create.mutate({ title: 'Left' });
    const b = await client.tasks.create.mutate({ title: 'Right', dependsOn: [a.id] });
    const text = JSON.parse(await fs.readFile(taskFile(root, a.id), 'utf8'));
    await fs.writeFile(taskFile(root, a.id), `${JSON.stringify({ ...text, dependsOn: [b.id] }, null, 2)}\n`);
    const problem = await waitFor(async () => (await client.project.info.query()).problems[0], 'the cycle banner');
    expect(problem.path).toBe(`.opencode-studio/tasks/${a.id}.json, .opencode-studio/tasks/${b.id}.json`);
    expect(problem.reason).toMatch(/depend on each other in a cycle .*stay blocked/);
    expect(problem.kind).toBe('dependency-cycle');
    expect(await failureOf(client.tasks.start.mutate({ id: a.id }))).toMatch(/^PRECONDITION_FAILED: "Left" is blocked/);
    await fs.writeFile(taskFile(root, a.id), `${JSON.stringify({ ...text, dependsOn: [] }, null, 2)}\n`);
    await waitFor(async () => (await client.project.info.query()).problems.length === 0, 'the banner to clear');
  });

  it('a deleted dependency stops blocking, and the activity of the task that waited notes it', async (ctx) => {
    const { expect } = ctx;
    const { client, settled } = await studioWithAgent(ctx);
    const a = await client.tasks.create.mutate({ title: 'Gone soon' });
    const b = await client.tasks.create.mutate({ title: 'Waits', dependsOn: [a.id], autoStart: true });
    expect(await reasonOf(client.tasks.start.mutate({ id: b.id }))).toBe('blocked');
    await client.tasks.delete.mutate({ id: a.id });
    const note = await waitFor(
      async () => (await client.tasks.activity.query({ id: b.id })).find((e) => e.kind === 'note'),
      'the activity note',
    );
    expect(note).toMatchObject({ kind: 'note', text: `The dependency ${a.id} was deleted; it no longer blocks this task.` });
    expect((await client.tasks.get.query({ id: b.id })).task.status, 'a deletion is not a Done: no start by itself').toBe('todo');
    await client.tasks.start.mutate({ id: b.id });
    await settled(b.id, 'plan_review');
  });
});
