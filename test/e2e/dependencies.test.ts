import fs from 'node:fs/promises';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startAgentStudio, stopModels, waitStatus } from '../helpers/agent-studio.js';
import { reasonOf } from '../helpers/failure.js';
import { stopStudios } from '../helpers/studio.js';
import { removeTempDirs } from '../helpers/temp-repo.js';
import { waitFor } from '../helpers/wait.js';

afterEach(async () => {
  await stopStudios();
  await stopModels();
});
afterAll(removeTempDirs);

describe('dependencies through the real lifecycle (real opencode, scripted model)', { timeout: 300_000 }, () => {
  it('B waits for A; once A is merged, B starts by itself on a branch that has A’s merged work', async () => {
    const { client, root } = await startAgentStudio();
    await waitFor(async () => (await client.project.info.query()).opencode.state === 'ready', 'OpenCode ready', 60_000);
    const a = await client.tasks.create.mutate({ title: 'Write the schema notes' });
    const b = await client.tasks.create.mutate({ title: 'Build on the schema', dependsOn: [a.id], autoStart: true });
    expect(await reasonOf(client.tasks.start.mutate({ id: b.id }))).toBe('blocked');

    await client.tasks.start.mutate({ id: a.id });
    await waitStatus(client, a.id, 'plan_review', 90_000);
    await client.tasks.approvePlan.mutate({ id: a.id });
    await waitStatus(client, a.id, 'review', 120_000);
    expect((await client.tasks.get.query({ id: b.id })).task.status, 'A in Review still blocks B').toBe('todo');

    await client.tasks.merge.mutate({ id: a.id });
    const planned = await waitStatus(client, b.id, 'plan_review', 90_000);
    expect(planned.branch).toBe(`studio/${b.id}`);
    // B's worktree started from the base as it was when B started: A's notes are in it.
    const inB = await fs.readFile(`${root}.worktrees/${b.id}/notes/${a.id}.md`, 'utf8');
    expect(inB).toContain('Write the schema notes');
    const activity = await client.tasks.activity.query({ id: b.id });
    expect(activity.some((e) => e.kind === 'note' && /started by itself/.test(e.text))).toBe(true);
  });
});
