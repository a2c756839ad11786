import { blockersOf, cycleThrough } from '../../../shared/dependencies.js';
import type { Task } from '../../../shared/task.js';
import { liveTask } from '../state/board.js';

/** What keeps a task in Todo from starting, in words for its card; null when nothing does. */
export function blockedText(task: Task): string | null {
  if (task.status !== 'todo' || !task.dependsOn?.length) return null;
  const blockers = blockersOf(task, (id) => liveTask(id));
  if (blockers.length > 0) return `Blocked by ${blockers.map((t) => t.title).join(', ')}`;
  return cycleThrough(task.id, (id) => liveTask(id)?.dependsOn) ? 'Blocked: in a dependency cycle' : null;
}
