import type { TaskDiff } from '../../shared/api.js';
import { branchOf, type Task } from '../../shared/task.js';
import { errorMessage, PreconditionError, StudioError } from '../errors.js';
import type { EventBus } from '../events/event-bus.js';
import { mergeCommitDiff } from '../git/diff.js';
import type { Repo } from '../git/repo.js';
import { cancelMerge, type MergeBaseResult, mergeBaseInto } from '../git/update.js';
import { branchDiff, MergeBlockedError, mergeBranch, removeWorktree, worktreeExists } from '../git/worktrees.js';
import type { StudioStore } from '../store/studio-store.js';
import type { PhaseRunner } from './phase-runner.js';

/** A task's branch and worktree: its diff, its merge into the base, and their removal. Git only, no agent. */
export class TaskBranches {
  constructor(
    private readonly repo: Repo,
    private readonly store: StudioStore,
    private readonly phases: PhaseRunner,
    private readonly bus: EventBus,
  ) {}

  /** Merges the branch into the base and removes the worktree; the merge commit, or a refusal recorded on the task and thrown. */
  async merge(task: Task): Promise<string> {
    const branch = branchOf(task);
    const base = this.store.config.get().baseBranch;
    let sha: string;
    try {
      ({ sha } = await this.phases.gitLock(() =>
        mergeBranch(this.repo, { branch, base, message: `Merge ${branch}: ${task.title}` }),
      ));
    } catch (err) {
      const blocked = err instanceof MergeBlockedError ? err : null;
      const message = blocked ? blocked.message : `the merge failed: ${errorMessage(err)}`;
      await this.store.tasks.patch(task.id, { error: message });
      // A named failure (git's lock held, a full disk) keeps its reason; only the unknown is internal.
      throw new PreconditionError(message, blocked?.reason ?? (err instanceof StudioError ? err.reason : 'internal'));
    }
    await this.remove(task);
    return sha;
  }

  /**
   * Merges the base into the task branch in its worktree. Clean: the merge commit (null when
   * already up to date). Conflicts: the merge is cancelled and the files named, for the agent.
   */
  async updateFromBase(task: Task): Promise<MergeBaseResult> {
    await this.assertBranch(task);
    const base = this.store.config.get().baseBranch;
    if (!(await this.repo.branchExists(base)))
      throw new PreconditionError(`the base branch ${base} does not exist; choose an existing one in the settings`, 'no-branch');
    const dir = await this.phases.ensureWorktree(task);
    const result = await this.phases
      .gitLock(async () => {
        const merged = await mergeBaseInto(dir, { base, message: `Merge ${base} into ${branchOf(task)}` });
        if (!merged.merged) await cancelMerge(dir);
        return merged;
      })
      .catch((err: unknown) => {
        throw new PreconditionError(`cannot update "${task.title}" from ${base}: ${errorMessage(err)}`, 'dirty-checkout');
      });
    this.phases.note(
      task.id,
      'conflicts',
      result.merged
        ? result.sha
          ? `updated from ${base}: merge commit ${result.sha.slice(0, 8)}`
          : `already up to date with ${base}`
        : `updating from ${base} conflicts in ${result.conflicts.join(', ')}: the agent resolves them`,
    );
    if (result.merged && result.sha) this.bus.emit({ type: 'branch.updated', taskId: task.id, head: result.sha });
    return result;
  }

  async diff(task: Task): Promise<TaskDiff> {
    // Merged: the branch is gone, the merge commit keeps what it brought in.
    if (task.status === 'done' && task.mergeCommit) return mergeCommitDiff(this.repo, task.mergeCommit);
    await this.assertBranch(task);
    return branchDiff(this.repo, { branch: task.branch!, base: this.store.config.get().baseBranch });
  }

  private async assertBranch(task: Task): Promise<void> {
    if (!task.branch) throw new PreconditionError(`"${task.title}" has no branch yet: start it first`, 'no-branch');
    if (!(await this.repo.branchExists(task.branch)))
      throw new PreconditionError(
        `the branch ${task.branch} of "${task.title}" no longer exists (renamed or deleted?); restore it, or delete the task`,
        'no-branch',
      );
  }

  async exist(task: Task): Promise<boolean> {
    if (task.branch && (await this.repo.branchExists(task.branch))) return true;
    return worktreeExists(this.repo, await this.phases.locate(task));
  }

  async remove(task: Task): Promise<void> {
    const dir = await this.phases.locate(task);
    await this.phases.gitLock(() => removeWorktree(this.repo, { dir, branch: branchOf(task), deleteBranch: true }));
    this.phases.forget(task.id);
  }
}
