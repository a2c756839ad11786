import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { RunPhaseInput } from '../../server/opencode/agent-runner.js';
import { reasonOf } from '../helpers/failure.js';
import { FakeAgent, fakeAgentStudio } from '../helpers/fake-agent.js';
import { startStudio, stopStudios } from '../helpers/studio.js';
import { removeTempDirs } from '../helpers/temp-repo.js';
import { waitFor } from '../helpers/wait.js';

afterEach(stopStudios);
afterAll(removeTempDirs);

/** Holds every phase until `release()`: a run that is still going when the file changes under it. */
class HeldAgent extends FakeAgent {
  private open!: () => void;
  private readonly gate = new Promise<void>((resolve) => (this.open = resolve));
  release(): void {
    this.open();
  }
  override async runPhase(input: RunPhaseInput) {
    await this.gate;
    return super.runPhase(input);
  }
}

async function editFile(root: string, id: string, change: (raw: Record<string, unknown>) => Record<string, unknown>) {
  const file = path.join(root, '.opencode-studio/tasks', `${id}.json`);
  const raw = JSON.parse(await fs.readFile(file, 'utf8'));
  await fs.writeFile(file, `${JSON.stringify(change(raw), null, 2)}\n`);
}

describe('changes from outside the studio (a git pull, a hand edit) and the agent', () => {
  it('agent actions on a conflicted task are refused with merge-conflict-in-task, a drag too; resolving opens them again', async () => {
    const { client, root, studio } = await startStudio({ agent: fakeAgentStudio() });
    const task = await client.tasks.create.mutate({ title: 'Shared task' });
    await editFile(root, task.id, (raw) => ({
      ...raw,
      conflict: { title: { base: 'Shared task', ours: 'Shared task', theirs: 'Theirs' } },
    }));
    await waitFor(async () => (await client.tasks.get.query({ id: task.id })).task.conflict, 'the conflict read');
    expect(await reasonOf(client.tasks.start.mutate({ id: task.id }))).toBe('merge-conflict-in-task');
    expect(await reasonOf(client.tasks.move.mutate({ id: task.id, status: 'planning' }))).toBe('merge-conflict-in-task');
    expect(studio.services.store.tasks.get(task.id).status).toBe('todo');
    await client.tasks.resolveConflict.mutate({ id: task.id, choices: { title: 'theirs' } });
    const started = await client.tasks.start.mutate({ id: task.id });
    expect(started).toMatchObject({ title: 'Theirs', status: 'planning' });
  });

  it('a teammate’s edit of a running task’s fields is kept through the run; a move wins over where the phase would go', async () => {
    const agent = new HeldAgent();
    const { client, root } = await startStudio({ agent: fakeAgentStudio(agent) });
    const kept = await client.tasks.create.mutate({ title: 'Kept running', labels: ['a'] });
    const moved = await client.tasks.create.mutate({ title: 'Moved away' });
    await client.config.update.mutate({ maxParallel: 2 });
    await client.tasks.start.mutate({ id: kept.id });
    await client.tasks.start.mutate({ id: moved.id });
    await waitFor(
      async () => agent.calls.length === 0 && (await client.tasks.get.query({ id: moved.id })).task.run?.state === 'running',
      'both running',
    );
    await editFile(root, kept.id, (raw) => ({ ...raw, title: 'Renamed by a teammate', labels: ['a', 'team'] }));
    await editFile(root, moved.id, (raw) => ({ ...raw, status: 'todo' }));
    await waitFor(async () => (await client.tasks.get.query({ id: moved.id })).task.status === 'todo', 'the move read');
    agent.release();

    const done = await waitFor(async () => {
      const t = (await client.tasks.get.query({ id: kept.id })).task;
      return t.status === 'plan_review' && !t.run ? t : null;
    }, 'the running task to finish planning');
    expect(done).toMatchObject({ title: 'Renamed by a teammate', labels: ['a', 'team'] });
    const away = await waitFor(async () => {
      const t = (await client.tasks.get.query({ id: moved.id })).task;
      return !t.run ? t : null;
    }, 'the moved task’s run to end');
    expect(away.status).toBe('todo');
    expect(away.usage.tokens).toBe(10);
    const activity = await client.tasks.activity.query({ id: moved.id });
    expect(activity.some((e) => e.kind === 'phase' && /moved to todo from outside the studio/.test(e.message ?? ''))).toBe(true);
  });
});
