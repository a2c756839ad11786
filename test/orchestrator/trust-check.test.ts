import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, it } from 'vitest';
import type { RunPhaseInput } from '../../server/opencode/agent-runner.js';
import type { TaskStatus } from '../../shared/task.js';
import { reasonOf } from '../helpers/failure.js';
import { FakeAgent, fakeAgentStudio } from '../helpers/fake-agent.js';
import { startStudio, stopStudios } from '../helpers/studio.js';
import { removeTempDirs } from '../helpers/temp-repo.js';
import { waitFor } from '../helpers/wait.js';

const roots: string[] = [];
// The two tests run at once (each waits on its studio's phases and watcher), so the studios stop after both.
afterAll(async () => {
  await stopStudios();
  for (const root of roots) await fs.rm(`${root}.worktrees`, { recursive: true, force: true });
  await removeTempDirs();
});

/** What a teammate's pull does to the checkout: config.json gains a setup command nobody here trusted. */
async function pullSetupCommand(root: string): Promise<void> {
  const file = path.join(root, '.opencode-studio/config.json');
  const config = JSON.parse(await fs.readFile(file, 'utf8'));
  await fs.writeFile(file, `${JSON.stringify({ ...config, worktreeSetup: ['touch pulled-marker'] }, null, 2)}\n`);
}

/** Planning pulls a changed config while it runs; the next phase must not use it. */
class PullingAgent extends FakeAgent {
  root = '';
  override async runPhase(input: RunPhaseInput) {
    if (input.phase === 'planning') await pullSetupCommand(this.root);
    return super.runPhase(input);
  }
}

describe.concurrent('the trust check as each phase begins, and what stays open', () => {
  it('a setup command pulled during planning stops the run before implementation, with untrusted-settings', async ({
    expect,
  }) => {
    const agent = new PullingAgent();
    const { client, root } = await startStudio({ agent: fakeAgentStudio(agent) });
    agent.root = root;
    roots.push(root);
    await client.config.update.mutate({ requirePlanApproval: false });
    const task = await client.tasks.create.mutate({ title: 'Pulled mid-run' });
    await client.tasks.start.mutate({ id: task.id });
    const failed = await waitFor(async () => {
      const { task: t } = await client.tasks.get.query({ id: task.id });
      return t.run?.state === 'failed' ? t : null;
    }, 'the implementation phase to be refused');
    expect(failed.run?.phase).toBe('implementation');
    expect(failed.error).toContain('worktreeSetup = ["touch pulled-marker"]');
    expect(agent.calls.map((c) => c.phase)).toEqual(['planning']);
    const worktree = `${root}.worktrees/${task.id}`;
    await expect(fs.access(path.join(worktree, 'pulled-marker'))).rejects.toThrow();
    expect(await reasonOf(client.tasks.retry.mutate({ id: task.id }))).toBe('untrusted-settings');
    // Trusted on the board: retry runs the phase on.
    await client.project.trust.mutate({ hash: (await client.project.info.query()).trust.hash! });
    await client.tasks.retry.mutate({ id: task.id });
    await waitFor(async () => (await client.tasks.get.query({ id: task.id })).task.status === 'review', 'Review');
    expect(agent.calls.map((c) => c.phase)).toEqual(['planning', 'implementation', 'review']);
  });

  it('merging a reviewed branch, reading and editing still work while the settings are untrusted', async ({ expect }) => {
    const { client, root } = await startStudio({ agent: fakeAgentStudio(new FakeAgent()) });
    roots.push(root);
    const settled = (id: string, status: TaskStatus) =>
      waitFor(async () => {
        const { task } = await client.tasks.get.query({ id });
        return task.status === status && !task.run ? task : null;
      }, status);
    const task = await client.tasks.create.mutate({ title: 'Reviewed before the pull' });
    await client.tasks.start.mutate({ id: task.id });
    await settled(task.id, 'plan_review');
    await client.tasks.approvePlan.mutate({ id: task.id });
    await settled(task.id, 'review');
    await pullSetupCommand(root);
    await waitFor(async () => (await client.project.info.query()).trust.state === 'untrusted', 'the pull to be seen');
    const other = await client.tasks.create.mutate({ title: 'Still editable' });
    await client.tasks.update.mutate({ id: other.id, labels: ['x'] });
    expect(await reasonOf(client.tasks.move.mutate({ id: other.id, status: 'planning' }))).toBe('untrusted-settings');
    await client.tasks.merge.mutate({ id: task.id });
    expect((await client.tasks.get.query({ id: task.id })).task.status).toBe('done');
  });
});
