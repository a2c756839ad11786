import type { TaskStatus } from './task.js';

/**
 * Moves a person may make by dragging a card. Moves that need the agent (todo -> planning,
 * plan_review -> in_progress, review -> done) are performed by the matching agent action;
 * `tasks.move` routes them there. Everything else is refused with the reason below.
 */
export type MoveRule =
  | { action: 'reorder' }
  | { action: 'start' }
  | { action: 'approvePlan' }
  | { action: 'merge' }
  | { action: 'set' };

export function moveRule(from: TaskStatus, to: TaskStatus): MoveRule | { refused: string } {
  if (from === to) return { action: 'reorder' };
  if (from === 'todo' && to === 'planning') return { action: 'start' };
  if (from === 'plan_review' && to === 'in_progress') return { action: 'approvePlan' };
  if (from === 'review' && to === 'done') return { action: 'merge' };
  if (to === 'todo' && from === 'plan_review') return { action: 'set' };
  return { refused: refusal(from, to) };
}

function refusal(from: TaskStatus, to: TaskStatus): string {
  if (from === 'done') return 'a done task is merged and cannot move; create a new task instead';
  if (to === 'done') return 'only a task in Review can be merged to Done';
  if (to === 'planning') return 'only a task in Todo can be started (drag it to Planning)';
  if (to === 'in_progress') return 'only a task in Plan review can be approved into In progress';
  if (to === 'plan_review' || to === 'ai_review' || to === 'review')
    return `the agent moves tasks into ${to.replace('_', ' ')} when it finishes a phase; it cannot be set by hand`;
  if (to === 'todo') return 'only a task in Plan review (not yet implemented) can go back to Todo';
  return `moving from ${from} to ${to} is not part of the lifecycle`;
}
