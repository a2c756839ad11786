import { allows, type LifecycleAction } from '../../../shared/lifecycle.js';
import type { Task } from '../../../shared/task.js';

export interface ActionButton {
  action: LifecycleAction;
  label: string;
  primary: boolean;
}

/**
 * The drawer's buttons in the order shown; which of them a task gets is the lifecycle table's call.
 * Back to Todo has no button: it is a drag, like any other column change without an agent.
 */
const BUTTONS: readonly ActionButton[] = [
  { action: 'start', label: 'Start', primary: true },
  { action: 'approvePlan', label: 'Approve plan', primary: true },
  { action: 'merge', label: 'Merge', primary: true },
  { action: 'requestChanges', label: 'Request changes', primary: false },
  { action: 'updateBranch', label: 'Update from base', primary: false },
  { action: 'abort', label: 'Abort', primary: false },
  { action: 'retry', label: 'Retry', primary: false },
];

export function actionButtons(task: Pick<Task, 'status' | 'run'>): ActionButton[] {
  return BUTTONS.filter((b) => allows(b.action, task));
}
