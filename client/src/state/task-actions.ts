import { commentPlace } from '../../../shared/comment-place.js';
import { guard, type LifecycleAction, moveRule, transitionFor } from '../../../shared/lifecycle.js';
import type { Task, TaskStatus } from '../../../shared/task.js';
import { answerTask } from './answers.js';
import { api } from './api.js';
import { currentTask, placeTask, removeTask } from './board.js';
import { loadComments } from './comments.js';
import { askConfirm } from './confirm.js';
import { details } from './details.js';
import { openPullRequest } from './github.js';
import { offlineReason, project } from './project.js';
import { attempt, errorReason, errorText, toast } from './toasts.js';

function sentence(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * A drag or a keyboard move. The card moves at once; the server decides (a column change may
 * start, approve or merge), and a refusal puts the card back where it was, with the reason.
 */
export async function moveTask(task: Task, status: TaskStatus, order: number | undefined): Promise<void> {
  const id = task.id;
  const before = { status: task.status, order: task.order };
  const offline = offlineReason();
  if (offline) {
    toast(`Cannot move "${task.title}" now: ${offline}`, 'error');
    return;
  }
  if (status !== before.status) {
    // The same rule the server applies, checked first so an impossible drop snaps back at once.
    const rule = moveRule(before.status, status);
    if ('refused' in rule) {
      toast(sentence(`cannot move "${task.title}": ${rule.refused}`), 'error');
      return;
    }
    const guarded = rule.action === 'reorder' ? null : guard(rule.action, task, (other) => currentTask(other));
    if (guarded) {
      toast(sentence(guarded.message), 'error');
      return;
    }
    if (rule.action === 'merge' && !(await mergeDespiteComments(task))) return;
  }
  const target = { status, order: order ?? before.order };
  placeTask(id, target.status, target.order);
  try {
    await answerTask(() => api().tasks.move.mutate({ id, status, ...(order === undefined ? {} : { order }) }));
  } catch (err) {
    const now = currentTask(id);
    if (now && now.status === target.status && now.order === target.order) placeTask(id, before.status, before.order);
    toast(sentence(errorText(err)), 'error');
  }
}

type AgentAction = 'start' | 'approvePlan' | 'merge' | 'updateBranch' | 'abort' | 'retry';

const DOING: Record<AgentAction, string> = {
  start: 'Starting',
  approvePlan: 'Approving the plan of',
  merge: 'Merging',
  updateBranch: 'Updating the branch of',
  abort: 'Aborting',
  retry: 'Retrying',
};

export async function runAction(action: AgentAction, task: Task): Promise<boolean> {
  if (action === 'merge' && !(await mergeDespiteComments(task))) return false;
  const updated = await answerTask(() =>
    attempt(`${DOING[action]} "${task.title}" failed`, () => api().tasks[action].mutate({ id: task.id })),
  );
  return updated !== undefined;
}

/** A drawer button: an agent action, or the drag it stands for (Back to Todo). */
export async function perform(action: LifecycleAction, task: Task): Promise<unknown> {
  if (action === 'backToTodo') return moveTask(task, transitionFor(action, task.status)?.to ?? 'todo', undefined);
  if (action === 'requestChanges') return false;
  // With landing by pull request, Review's primary action opens the PR; Done then follows GitHub.
  if (action === 'merge' && project.config?.landing === 'pull-request') return openPullRequest(task);
  return runAction(action, task);
}

export async function requestChanges(task: Task, feedback: string): Promise<boolean> {
  const updated = await answerTask(() =>
    attempt(`Requesting changes on "${task.title}" failed`, () => api().tasks.requestChanges.mutate({ id: task.id, feedback })),
  );
  return updated !== undefined;
}

export async function updateTask(
  task: Task,
  patch: { title?: string; description?: string; labels?: string[]; dependsOn?: string[]; autoStart?: boolean },
): Promise<boolean> {
  const updated = await answerTask(() =>
    attempt(`Saving "${task.title}" failed`, () => api().tasks.update.mutate({ id: task.id, ...patch })),
  );
  return updated !== undefined;
}

/** Resolves to 'needs-force' when the task still has a worktree or branch that a delete would throw away. */
export async function deleteTask(task: Task, force: boolean): Promise<'deleted' | 'needs-force' | 'failed'> {
  try {
    await api().tasks.delete.mutate({ id: task.id, force });
    removeTask(task.id);
    toast(`Deleted "${task.title}"`);
    return 'deleted';
  } catch (err) {
    if (!force && errorReason(err) === 'needs-force') return 'needs-force';
    const text = errorText(err);
    toast(`Deleting "${task.title}" failed: ${text}`, 'error');
    return 'failed';
  }
}

/** Pick a side for some clashing fields; the server drops `conflict` (and stages the file) once none is left. */
export async function resolveConflict(task: Task, choices: Record<string, 'ours' | 'theirs'>): Promise<boolean> {
  const updated = await answerTask(() =>
    attempt(`Resolving the merge conflict of "${task.title}" failed`, () =>
      api().tasks.resolveConflict.mutate({ id: task.id, choices }),
    ),
  );
  return updated !== undefined;
}

/**
 * A merge with review comments still open asks first and names them, as a code host does;
 * with none open it goes ahead. The comments are fetched when the drawer has not loaded them.
 */
export async function mergeDespiteComments(task: Task): Promise<boolean> {
  if (details[task.id]?.comments === undefined) await loadComments(api(), task.id);
  const open = (details[task.id]?.comments ?? []).filter((c) => c.status === 'open' || c.status === 'outdated');
  if (open.length === 0) return true;
  return askConfirm({
    title: 'Merge with open comments?',
    body: `"${task.title}" has ${open.length} review comment${open.length === 1 ? '' : 's'} nobody resolved. Merge anyway, or cancel and send them to the agent with Request changes.`,
    items: open.map((c) => `${commentPlace(c)}: ${c.body.length > 120 ? `${c.body.slice(0, 117)}…` : c.body}`),
    confirm: 'Merge anyway',
    danger: true,
  });
}
