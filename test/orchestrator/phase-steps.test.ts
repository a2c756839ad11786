import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openRepo } from '../../server/git/repo.js';
import { PHASE_STEPS, type PhaseContext } from '../../server/orchestrator/phase-steps.js';
import type { StudioStore } from '../../server/store/studio-store.js';
import { Config } from '../../shared/config.js';
import { PHASES } from '../../shared/lifecycle.js';
import type { AgentPhase } from '../../shared/task.js';
import { removeTempDirs } from '../helpers/temp-repo.js';
import { openWatchedStore } from '../store/store-fixture.js';

const opened: StudioStore[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});
afterAll(removeTempDirs);

const answer = (text: string) => ({ sessionId: 'ses_1', text, tokens: 1, cost: 0, durationMs: 1 });

async function contextFor(config: Partial<Config> = {}) {
  const { root, store } = await openWatchedStore();
  opened.push(store);
  const task = await store.tasks.create({ title: 'Steps' });
  const notes: string[] = [];
  const ctx: PhaseContext = {
    task,
    dir: root,
    config: Config.parse({ ...store.config.get(), ...config }),
    repo: await openRepo(root),
    store,
    signal: new AbortController().signal,
    note: (message) => notes.push(message),
    gitLock: (work) => work(),
    log: () => {},
  };
  return { ctx, store, notes };
}

describe('the phase table (server/orchestrator/phase-steps.ts)', () => {
  it('has the steps of every phase of the lifecycle, and each picks its model from the settings', () => {
    expect(Object.keys(PHASE_STEPS).sort()).toEqual(Object.keys(PHASES).sort());
    const models = { planning: 'p/plan', implementation: 'p/build', review: 'p/review' };
    const picked = Object.fromEntries(
      (Object.keys(PHASE_STEPS) as AgentPhase[]).map((phase) => [phase, PHASE_STEPS[phase].model(models)]),
    );
    expect(picked).toEqual({
      planning: 'p/plan',
      implementation: 'p/build',
      fix: 'p/build',
      conflicts: 'p/build',
      review: 'p/review',
    });
  });

  it('planning writes the plan, refuses an empty one, and skips approval when the settings say so', async () => {
    const { ctx, store } = await contextFor({ requirePlanApproval: false });
    await expect(PHASE_STEPS.planning.finish(ctx, answer('  \n'))).rejects.toMatchObject({ reason: 'empty-plan' });
    expect(await PHASE_STEPS.planning.finish(ctx, answer('# Plan'))).toEqual({ outcome: 'skip-approval', patch: {} });
    expect(await store.plans.read(ctx.task.id)).toContain('# Plan');
  });

  it('review writes the review and sends changes back to a fix until maxReviewIterations, then to a person', async () => {
    const { ctx, store } = await contextFor({ maxReviewIterations: 1 });
    const changes = 'Needs work.\n\nVERDICT: CHANGES_REQUESTED';
    expect(await PHASE_STEPS.review.finish(ctx, answer(changes))).toEqual({
      outcome: 'changes-requested',
      patch: { verdict: 'changes_requested', iteration: 1 },
    });
    expect(await store.reviews.read(ctx.task.id)).toContain('Needs work.');
    const last = { ...ctx, task: { ...ctx.task, iteration: 1 } };
    expect(await PHASE_STEPS.review.finish(last, answer(changes))).toEqual({
      outcome: 'done',
      patch: { verdict: 'changes_requested' },
    });
  });

  it('a conflicts phase starts a fresh round of AI review', async () => {
    const { ctx } = await contextFor();
    expect(await PHASE_STEPS.conflicts.finish(ctx, answer(''))).toEqual({ outcome: 'done', patch: { iteration: 0 } });
  });
});
