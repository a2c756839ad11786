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

/**
 * The last `limit` rows of a task's activity. Entries that come while it is asked are in the
 * answer or in an event after its `asOf`: those events are applied on top of it (they were dropped
 * while no rows were loaded), and one at or before it is not applied twice.
 */
export async function loadActivity(api: Api, id: string, limit: number): Promise<void> {
  await answerUnderEvents(
    () => attempt('Loading the activity failed', () => api.tasks.activityRows.query({ id, limit })),
    (page) => setDetail(id, { activity: page.rows, activityStart: page.start, activityAsOf: page.asOf }),
    (event) => event.type === 'activity.appended' && event.taskId === id,
  );
}
