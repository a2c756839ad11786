import type { StudioEvent } from '../../../shared/events.js';
import type { Api } from '../lib/trpc.js';
import { answerUnderEvents } from './answers.js';
import { setDetail } from './details.js';
import { setTaskRequests } from './requests.js';
import { attempt } from './toasts.js';

const DETAIL_EVENTS = new Set<StudioEvent['type']>(['plan.updated', 'review.updated', 'request.asked', 'request.replied']);

/**
 * The drawer's plan, review and pending requests of a task (tasks.get), laid under the events
 * for them that came while it was asked: a plan written or a request answered meanwhile is not
 * put back by the older answer.
 */
export async function loadTaskDetail(api: Api, id: string): Promise<void> {
  await answerUnderEvents(
    () => attempt('Loading the task failed', () => api.tasks.get.query({ id })),
    (detail) => {
      setDetail(id, { plan: detail.plan, review: detail.review });
      setTaskRequests(id, detail.requests);
    },
    (event) => DETAIL_EVENTS.has(event.type) && 'taskId' in event && event.taskId === id,
  );
}
