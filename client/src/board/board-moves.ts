import { moveRule } from '../../../shared/lifecycle.js';
import type { Task, TaskStatus } from '../../../shared/task.js';
import { COLUMNS } from '../lib/columns.js';
import { focusCard } from '../lib/focus.js';
import { orderAt } from '../lib/order.js';
import { columns } from '../state/board.js';
import { askConfirm } from '../state/confirm.js';
import { moveTask } from '../state/task-actions.js';
import type { DropTarget } from './drag.js';

/** Drop `task` so that it lands before the card now at `index` of the shown column (or at its end). */
export function dropAt(task: Task, target: DropTarget): void {
  const shown = columns().shown[target.status];
  const kept = shown.slice(0, target.index).filter((t) => t.id !== task.id).length;
  const neighbours = shown.filter((t) => t.id !== task.id);
  if (target.status === task.status) {
    const now = shown.findIndex((t) => t.id === task.id);
    if (now === kept) return;
  }
  void moveTask(task, target.status, orderAt(neighbours, kept));
}

function focusIn(status: TaskStatus | undefined, index: number): void {
  if (!status) return;
  const list = columns().shown[status];
  const task = list[Math.max(0, Math.min(index, list.length - 1))];
  if (task) focusCard(task.id);
}

/**
 * Keys on a focused card: Enter opens it, arrows move the focus, Alt+arrows move the card
 * (up and down within the column, left and right to the neighbouring column, if the lifecycle allows).
 */
export function cardKey(e: KeyboardEvent, task: Task, open: (task: Task) => void): void {
  if (e.target !== e.currentTarget) return;
  const list = columns().shown[task.status];
  const index = list.findIndex((t) => t.id === task.id);
  const col = COLUMNS.indexOf(task.status);
  const handled = () => e.preventDefault();
  if (e.key === 'Enter' || e.key === ' ') {
    handled();
    open(task);
  } else if (e.key === 'ArrowUp' || e.key === 'ArrowDown') {
    handled();
    const to = index + (e.key === 'ArrowUp' ? -1 : 1);
    if (!e.altKey) focusIn(task.status, to);
    else if (to >= 0 && to < list.length) {
      dropAt(task, { status: task.status, index: e.key === 'ArrowUp' ? to : to + 1, lineTop: 0 });
      focusCard(task.id);
    }
  } else if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') {
    handled();
    const status = COLUMNS[col + (e.key === 'ArrowLeft' ? -1 : 1)];
    if (!e.altKey) focusIn(status, index);
    else if (status) void keyboardMove(task, status);
  }
}

/** Column changes by key that start the agent: the question asked first. A merge asks in moveTask when comments are open. */
const CONSEQUENCE: Partial<Record<string, { title: string; body: (t: Task) => string; confirm: string }>> = {
  start: {
    title: 'Start the agent?',
    body: (t) => `Moving "${t.title}" to Planning starts the agent on it: it plans in a new worktree and branch.`,
    confirm: 'Start',
  },
  approvePlan: {
    title: 'Approve the plan?',
    body: (t) => `Moving "${t.title}" to In progress approves its plan: the agent starts implementing it.`,
    confirm: 'Approve plan',
  },
};

/** Alt+← / Alt+→: a move that would start the agent asks first; a plain move happens at once. */
async function keyboardMove(task: Task, status: TaskStatus): Promise<void> {
  const rule = moveRule(task.status, status);
  const ask = 'action' in rule ? CONSEQUENCE[rule.action] : undefined;
  if (ask && !(await askConfirm({ title: ask.title, body: ask.body(task), confirm: ask.confirm }))) {
    focusCard(task.id);
    return;
  }
  dropAt(task, { status, index: columns().shown[status].length, lineTop: 0 });
  focusCard(task.id);
}
