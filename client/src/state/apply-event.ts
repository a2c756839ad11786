import type { StudioEvent } from '../../../shared/events.js';
import { currentTask, removeTask, upsertTask } from './board.js';
import { appendActivity, forgetDetail, setDetail } from './details.js';
import { applyDevServer } from './dev-servers.js';
import { notify } from './notify.js';
import { addProblem, clearProblem, setConfig, setOpencode, setSlots, setStorage } from './project.js';
import { addRequest, removeRequest } from './requests.js';

const watchers = new Set<(event: StudioEvent) => void>();

/** Calls `watch` with every event applied from now on, until the returned function is called. */
export function watchApplied(watch: (event: StudioEvent) => void): () => void {
  watchers.add(watch);
  return () => watchers.delete(watch);
}

/** Folds one server event into the stores; `resync` is handled by the caller (it needs the API). */
export function applyEvent(event: StudioEvent): void {
  fold(event);
  for (const watch of watchers) watch(event);
}

function fold(event: StudioEvent): void {
  switch (event.type) {
    case 'task.created':
      upsertTask(event.task);
      return;
    case 'task.updated': {
      notify(currentTask(event.task.id), event.task);
      upsertTask(event.task);
      return;
    }
    case 'request.asked':
      addRequest(event.request);
      return;
    case 'request.replied':
      removeRequest(event.taskId, event.request.id);
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
    case 'branch.updated':
      setDetail(event.taskId, { head: event.head });
      break;
    case 'comments.updated':
      setDetail(event.taskId, { comments: event.comments });
      return;
    case 'activity.appended':
      appendActivity(event.taskId, event.entries, event.id);
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
    case 'storage.fault':
      setStorage(event.fault);
      return;
    case 'storage.recovered':
      setStorage(null);
      return;
    case 'opencode.status':
      setOpencode(event.opencode);
      return;
    case 'slots.updated':
      setSlots(event.slots);
      return;
    case 'devserver.updated':
      applyDevServer(event.server, event.output, event.id);
      return;
    case 'resync':
      return;
  }
}
