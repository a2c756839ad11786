import type { TaskDiff } from '../../shared/api.js';
import type { Task } from '../../shared/task.js';
import { errorMessage, PreconditionError } from '../errors.js';
import type { Repo } from '../git/repo.js';
import { branchDiff, MergeBlockedError, mergeBranch, removeWorktree, worktreeExists } from '../git/worktrees.js';
import type { StudioStore } from '../store/studio-store.js';
import type { PhaseRunner } from './phase-runner.js';

/** A task's branch and worktree: its diff, its merge into the base, and their removal. Git only, no agent. */
export class TaskBranches {
  constructor(
    private readonly repo: Repo,
    private readonly store: StudioStore,
    private readonly phases: PhaseRunner,
  ) {}

  branchOf(task: Task): string {
    return task.branch ?? `studio/${task.id}`;
  }

  /** Merges the branch into the base and removes the worktree; a refusal is recorded on the task and thrown. */
  async merge(task: Task): Promise<void> {
    const branch = this.branchOf(task);
    const base = this.store.config.get().baseBranch;
    try {
      await this.phases.gitLock(() => mergeBranch(this.repo, { branch, base, message: `Merge ${branch}: ${task.title}` }));
    } catch (err) {
      const blocked = err instanceof MergeBlockedError ? err : null;
      const message = blocked ? blocked.message : `the merge failed: ${errorMessage(err)}`;
      await this.store.tasks.patch(task.id, { error: message });
      throw new PreconditionError(message, blocked?.reason ?? 'internal');
    }
    await this.remove(task);
  }

  async diff(task: Task): Promise<TaskDiff> {
    if (!task.branch) throw new PreconditionError(`"${task.title}" has no branch yet: start it first`, 'no-branch');
    if (!(await this.repo.branchExists(task.branch)))
      throw new PreconditionError(
        `the branch ${task.branch} of "${task.title}" no longer exists (renamed or deleted?); restore it, or delete the task`,
        'no-branch',
      );
    return branchDiff(this.repo, { branch: task.branch, base: this.store.config.get().baseBranch });
  }

  async exist(task: Task): Promise<boolean> {
    if (task.branch && (await this.repo.branchExists(task.branch))) return true;
    return worktreeExists(this.repo, this.phases.worktreeDir(task.id));
  }

  remove(task: Task): Promise<void> {
    return this.phases.gitLock(() =>
      removeWorktree(this.repo, { dir: this.phases.worktreeDir(task.id), branch: this.branchOf(task), deleteBranch: true }),
    );
  }
}
