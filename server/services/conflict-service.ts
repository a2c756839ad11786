import { ZodError } from 'zod';
import type { Task } from '../../shared/task.js';
import { InvalidInputError, PreconditionError } from '../errors.js';
import { gitAt } from '../git/repo.js';
import { describeZodIssues } from '../lib/zod-issues.js';
import type { StudioStore } from '../store/studio-store.js';
import type { TaskPatch } from '../store/task-store.js';

export type ConflictChoices = Record<string, 'ours' | 'theirs'>;

/** Picks a side for each field a git merge left clashing in a task file. */
export class ConflictService {
  constructor(private readonly store: StudioStore) {}

  /**
   * Writes the chosen values and keeps the clashes not chosen yet. Once none is left the
   * `conflict` field goes, and a file git lists as unmerged is staged (`git add`).
   */
  async resolve(id: string, choices: ConflictChoices): Promise<Task> {
    this.store.tasks.get(id);
    let task: Task;
    try {
      task = await this.store.tasks.update(id, (t) => resolvedPatch(t, choices), { conflicted: true });
    } catch (err) {
      if (err instanceof ZodError)
        throw new InvalidInputError(`those choices do not make a valid task: ${describeZodIssues(err.issues)}`);
      throw err;
    }
    if (!task.conflict) await stageIfUnmerged(this.store.paths.root, this.store.paths.relative(this.store.paths.task(id)));
    return task;
  }
}

function resolvedPatch(task: Task, choices: ConflictChoices): TaskPatch {
  const conflict = task.conflict;
  if (!conflict) throw new PreconditionError(`"${task.title}" has no merge conflict to resolve`);
  const unknown = Object.keys(choices).filter((field) => !Object.hasOwn(conflict, field));
  if (unknown.length > 0)
    throw new InvalidInputError(
      `no clash in ${unknown.join(', ')}; the clashing fields are ${Object.keys(conflict).join(', ') || 'none'}`,
    );
  const chosen = Object.entries(choices).map(([field, side]) => [field, conflict[field]![side]] as const);
  const left = Object.entries(conflict).filter(([field]) => !Object.hasOwn(choices, field));
  const patch = Object.fromEntries([...chosen, ['conflict', left.length > 0 ? Object.fromEntries(left) : undefined]]);
  return patch as TaskPatch;
}

async function stageIfUnmerged(root: string, file: string): Promise<void> {
  const git = gitAt(root);
  const unmerged = await git.raw(['ls-files', '--unmerged', '--', file]);
  if (unmerged.trim()) await git.raw(['add', '--', file]);
}
