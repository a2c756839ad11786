import type { Config } from '../../shared/config.js';
import type { PhaseOutcome } from '../../shared/lifecycle.js';
import { type AgentPhase, branchOf, type Task } from '../../shared/task.js';
import { errorMessage, PreconditionError } from '../errors.js';
import type { Repo } from '../git/repo.js';
import { abortMerge, concludeMerge, filesWithMarkers, mergeBaseInto } from '../git/update.js';
import { branchDiff, commitAll } from '../git/worktrees.js';
import type { PhaseResult } from '../opencode/agent-runner.js';
import type { StudioStore } from '../store/studio-store.js';
import type { TaskPatch } from '../store/task-store.js';
import { diffForReview, type PromptVars } from './prompts.js';
import { parseVerdict } from './verdict.js';
import { copiedFiles } from './worktree-setup.js';

/** What a phase's steps can use: the task as it was when the phase started, its worktree, the settings. */
export interface PhaseContext {
  task: Task;
  dir: string;
  config: Config;
  repo: Repo;
  store: StudioStore;
  signal: AbortSignal;
  /** A line in the task's Activity about a step of the phase (a commit, a merge). */
  note(message: string): void;
  /** Worktree and merge commands change the shared .git: one at a time. */
  gitLock<T>(work: () => Promise<T>): Promise<T>;
  log(line: string): void;
}

/** Runs the agent with the phase's prompt, given what the prompt needs beyond the defaults. */
export type AgentRun = (vars?: Partial<PromptVars>) => Promise<PhaseResult>;

/** How one phase runs, beside its place in the lifecycle (shared/lifecycle.ts PHASES). */
export interface PhaseSteps {
  /** The model from the settings (null: OpenCode's own default). */
  model(models: Config['models']): string | null;
  /** What the prompt needs beyond the task, its plan, review and feedback. */
  promptVars(ctx: PhaseContext): Promise<Partial<PromptVars>>;
  /** Around the agent's run: the conflicts phase merges first and may need no agent at all. */
  run(ctx: PhaseContext, agent: AgentRun): Promise<PhaseResult>;
  /** What the answer changes on the task, and which way the lifecycle goes from here. */
  finish(ctx: PhaseContext, result: PhaseResult): Promise<{ outcome: PhaseOutcome; patch: TaskPatch }>;
}

const noVars = async () => ({});
const justRun = (_ctx: PhaseContext, agent: AgentRun) => agent();

/** Commits what the agent changed in the worktree, and says so in the Activity. */
async function commitWork(ctx: PhaseContext, suffix = ''): Promise<{ outcome: PhaseOutcome; patch: TaskPatch }> {
  const sha = await commitAll(ctx.dir, `studio(${ctx.task.id}): ${ctx.task.title}${suffix}`, await copiedFiles(ctx.dir));
  ctx.note(sha ? `committed ${sha.slice(0, 8)}` : 'no changes to commit');
  return { outcome: 'done', patch: {} };
}

/**
 * Merges the base into the task branch and has the agent resolve the conflicts. Markers left,
 * or any failure: the worktree goes back to the branch tip (the base never changes here).
 */
async function resolveConflicts(ctx: PhaseContext, agent: AgentRun): Promise<PhaseResult> {
  const base = ctx.config.baseBranch;
  const message = `Merge ${base} into ${branchOf(ctx.task)}`;
  const merge = await ctx.gitLock(() => mergeBaseInto(ctx.dir, { base, message }));
  if (merge.merged) {
    ctx.note(
      merge.sha ? `merged ${base} without conflicts: committed ${merge.sha.slice(0, 8)}` : `already up to date with ${base}`,
    );
    // No agent was needed: the merge was clean after all.
    return { sessionId: '', text: '', tokens: 0, cost: 0, durationMs: 0 };
  }
  const files = merge.conflicts;
  try {
    const result = await agent({ conflicts: files, base });
    const left = await filesWithMarkers(ctx.dir, files);
    if (left.length > 0)
      throw new PreconditionError(
        `the agent left conflict markers in ${left.join(', ')}; the worktree was reset to the branch tip and nothing changed on ${base}: retry, or merge ${base} by hand`,
        'merge-conflict',
      );
    const sha = await concludeMerge(ctx.dir, message, await copiedFiles(ctx.dir));
    ctx.note(`resolved ${files.join(', ')}: committed ${sha.slice(0, 8)}`);
    return result;
  } catch (err) {
    await abortMerge(ctx.dir).catch((e) => ctx.log(`could not reset ${ctx.dir}: ${errorMessage(e)}`));
    if (err instanceof PreconditionError || ctx.signal.aborted) throw err;
    throw new PreconditionError(
      `${errorMessage(err)}; the conflicts in ${files.join(', ')} are not resolved: the worktree was reset to the branch tip and nothing changed on ${base}`,
      'merge-conflict',
    );
  }
}

/** Each phase's model, prompt, run and finish: the compiler checks that every phase has all four. */
export const PHASE_STEPS: Record<AgentPhase, PhaseSteps> = {
  planning: {
    model: (models) => models.planning,
    promptVars: noVars,
    run: justRun,
    async finish(ctx, result) {
      if (!result.text.trim())
        throw new PreconditionError('the agent answered with an empty plan; retry, or write the plan by hand', 'empty-plan');
      await ctx.store.plans.write(ctx.task.id, result.text);
      return { outcome: ctx.config.requirePlanApproval ? 'done' : 'skip-approval', patch: {} };
    },
  },
  implementation: {
    model: (models) => models.implementation,
    promptVars: noVars,
    run: justRun,
    finish: (ctx) => commitWork(ctx),
  },
  fix: {
    model: (models) => models.implementation,
    promptVars: async (ctx) => ({ comments: await ctx.store.comments.list(ctx.task.id).catch(() => []) }),
    run: justRun,
    finish: (ctx) => commitWork(ctx, ` (fix ${ctx.task.iteration})`),
  },
  conflicts: {
    model: (models) => models.implementation,
    promptVars: noVars,
    run: resolveConflicts,
    // The merged branch is a new change to review: a fresh round of AI review.
    finish: async () => ({ outcome: 'done', patch: { iteration: 0 } }),
  },
  review: {
    model: (models) => models.review,
    async promptVars(ctx) {
      const diff = await branchDiff(ctx.repo, { branch: branchOf(ctx.task), base: ctx.config.baseBranch });
      return { diff: diffForReview(diff.patch, diff.truncated) };
    },
    run: justRun,
    async finish(ctx, result) {
      await ctx.store.reviews.write(ctx.task.id, result.text);
      const verdict = parseVerdict(result.text);
      if (verdict === 'changes_requested' && ctx.task.iteration < ctx.config.maxReviewIterations)
        return { outcome: 'changes-requested', patch: { verdict, iteration: ctx.task.iteration + 1 } };
      return { outcome: 'done', patch: { verdict } };
    },
  },
};
