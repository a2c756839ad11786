import type { StudioEvent } from '../../../shared/events.js';
import { removeTask, upsertTask } from './board.js';
import { appendActivity, forgetDetail, setDetail } from './details.js';
import { addProblem, clearProblem, setConfig, setOpencode } from './project.js';

/** Folds one server event into the stores; `resync` is handled by the caller (it needs the API). */
export function applyEvent(event: StudioEvent): void {
  switch (event.type) {
    case 'task.created':
    case 'task.updated':
      upsertTask(event.task);
      return;
    case 'task.deleted':
      removeTask(event.taskId);
      forgetDetail(event.taskId);
      return;
    case 'plan.updated':
      setDetail(event.taskId, { plan: event.markdown });
      return;
    case 'review.updated':
      setDetail(event.taskId, { review: event.markdown });
      return;
    case 'activity.appended':
      appendActivity(event.taskId, event.entry);
      return;
    case 'config.updated':
      setConfig(event.config);
      return;
    case 'file.invalid':
      addProblem({ path: event.path, reason: event.reason, kind: event.kind });
      return;
    case 'file.recovered':
      clearProblem(event.path);
      return;
    case 'opencode.status':
      setOpencode(event.opencode);
      return;
    case 'resync':
      return;
  }
}
