import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { actionButtons } from '../../client/src/lib/action-buttons.js';
import { afterPhase, moveRule, PHASES, TRANSITIONS, type Transition } from '../../shared/lifecycle.js';
import { TASK_STATUSES } from '../../shared/statuses.js';
import type { Task } from '../../shared/task.js';
import { reasonOf } from '../helpers/failure.js';
import { FakeAgent, fakeAgentStudio } from '../helpers/fake-agent.js';
import { startStudio, stopStudios } from '../helpers/studio.js';
import { removeTempDirs } from '../helpers/temp-repo.js';
import { waitFor } from '../helpers/wait.js';

afterEach(stopStudios);
afterAll(removeTempDirs);

const labels = (task: Pick<Task, 'status' | 'run'>) => actionButtons(task).map((b) => b.label);

describe('the lifecycle table is the one home of the transitions', () => {
  it('every row that runs a phase leads to the column that phase runs in', () => {
    for (const row of TRANSITIONS) if (row.phase) expect(PHASES[row.phase].status, row.action).toBe(row.to);
    for (const status of TASK_STATUSES) expect(moveRule(status, status)).toEqual({ action: 'reorder' });
    expect(afterPhase('review', 'changes-requested')).toEqual({ status: 'in_progress', next: 'fix' });
    expect(afterPhase('implementation', 'changes-requested')).toEqual({ status: 'ai_review', next: 'review' });
  });

  it('one new row moves the orchestrator, the API and the board together', async () => {
    const todo = { status: 'todo', run: null } as const;
    // Before: approving straight from Todo is refused everywhere.
    expect(moveRule('todo', 'in_progress')).toHaveProperty('refused');
    expect(labels(todo)).toEqual(['Start']);
    const agent = new FakeAgent();
    const { client } = await startStudio({ agent: fakeAgentStudio(agent) });
    const refused = await client.tasks.create.mutate({ title: 'Refused' });
    expect(await reasonOf(client.tasks.move.mutate({ id: refused.id, status: 'in_progress' }))).toBe('not-allowed-now');
    expect(await reasonOf(client.tasks.approvePlan.mutate({ id: refused.id }))).toBe('not-allowed-now');

    const row: Transition = { action: 'approvePlan', from: 'todo', to: 'in_progress', phase: 'implementation', drag: true };
    (TRANSITIONS as Transition[]).push(row);
    try {
      // The board: a drop target and a button.
      expect(moveRule('todo', 'in_progress')).toMatchObject({ action: 'approvePlan' });
      expect(labels(todo)).toEqual(['Start', 'Approve plan']);
      // The API and the orchestrator: the drag approves, and the agent implements without a plan.
      const task = await client.tasks.create.mutate({ title: 'Skip the plan' });
      const moved = await client.tasks.move.mutate({ id: task.id, status: 'in_progress' });
      expect(moved.status).toBe('in_progress');
      await waitFor(async () => (await client.tasks.get.query({ id: task.id })).task.status === 'review', 'review');
      expect(agent.calls.map((c) => c.phase)).toEqual(['implementation', 'review']);
    } finally {
      (TRANSITIONS as Transition[]).splice(TRANSITIONS.indexOf(row), 1);
    }
    expect(labels(todo)).toEqual(['Start']);
  });

  it('the drawer offers what the table allows, and nothing while the agent works', () => {
    // A plan has no commits on its branch yet: nothing to update from the base.
    expect(labels({ status: 'plan_review', run: null })).toEqual(['Approve plan', 'Request changes']);
    expect(labels({ status: 'review', run: null })).toEqual(['Merge', 'Request changes', 'Update from base']);
    const running = {
      phase: 'review',
      state: 'running',
      sessionId: null,
      startedAt: null,
      activity: null,
      feedback: null,
    } as const;
    expect(labels({ status: 'ai_review', run: running })).toEqual(['Abort']);
    expect(labels({ status: 'ai_review', run: { ...running, state: 'failed' } })).toEqual(['Retry']);
  });
});
