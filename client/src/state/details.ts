import { createStore, produce } from 'solid-js/store';
import type { ActivityEntry } from '../../../shared/activity.js';
import type { ReviewComment } from '../../../shared/comments.js';
import { eventAfter } from '../../../shared/events.js';

/** What the drawer shows beyond the task itself; filled when a drawer opens, then kept current by events. */
/** `head`: the branch tip a branch.updated event announced, so the Changes tab reloads. */
type Detail = {
  plan?: string | null;
  review?: string | null;
  /** The Activity tab's rows: a page of the log's (collapsed) rows, then what came live. */
  activity?: ActivityEntry[];
  /** Where that page starts among the log's rows: earlier ones load on request. */
  activityStart?: number;
  /** The event that page is current with: an `activity.appended` at or before it is in it already. */
  activityAsOf?: string | null;
  head?: string;
  comments?: ReviewComment[];
};

const [details, setDetails] = createStore<Record<string, Detail>>({});

export { details };

export function setDetail(id: string, patch: Detail): void {
  setDetails(id, (d) => ({ ...d, ...patch }));
}

export function appendActivity(id: string, entries: ActivityEntry[], eventId: string): void {
  // Appending to a log that was never loaded would show a tail without its start.
  if (!details[id]?.activity || !eventAfter(eventId, details[id].activityAsOf ?? null)) return;
  setDetails(id, 'activity', (list) => [...(list ?? []), ...entries]);
}

export function forgetDetail(id: string): void {
  setDetails(
    produce((all) => {
      delete all[id];
    }),
  );
}

/** After a resync the logs may have gaps: drop them, and an open Activity tab loads its log again. */
export function forgetActivity(): void {
  setDetails(
    produce((all) => {
      for (const detail of Object.values(all)) {
        delete detail.activity;
        delete detail.activityStart;
        delete detail.activityAsOf;
      }
    }),
  );
}
