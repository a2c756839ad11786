import { batch } from 'solid-js';
import type { TasksSnapshot } from '../../../shared/api.js';
import type { StudioEvent } from '../../../shared/events.js';
import type { Api } from '../lib/trpc.js';
import { answerUnderEvents } from './answers.js';
import { applyEvent } from './apply-event.js';
import { replaceTasks } from './board.js';
import { forgetActivity } from './details.js';
import { coveredByProjectInfo, setConnection, setProjectInfo } from './project.js';
import { replaceRequests } from './requests.js';
import { errorText, isUnauthorized, toast } from './toasts.js';

/**
 * Keeps the stores equal to the server. A load fetches the tasks with the id of the last event
 * they include (tasks.snapshot, answered from the server's cache; the first one main.ts sent
 * before this script had loaded) while the WebSocket connects;
 * the board paints at once, and the event subscription then starts from that id, so the server
 * replays whatever happened in between. Events that arrive before the whole load (snapshot,
 * requests and project info) is in are held and applied on top of it. After a drop, wsLink
 * resubscribes with the last event id and the server replays what was missed (or says `resync`).
 */
export function startSync(api: Api, onUnauthorized: () => void, first: Promise<TasksSnapshot | null> | null = null): () => void {
  let held: StudioEvent[] | null = [];
  let cursor: string | null = null;
  let sub: { unsubscribe(): void } | null = null;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let wasLive = false;

  const load = async (): Promise<void> => {
    held ??= [];
    try {
      // The first load takes the snapshot main.ts asked for early, unless that request failed.
      const snapshotting = first ? first.then((early) => early ?? api.tasks.snapshot.query()) : api.tasks.snapshot.query();
      first = null;
      const snapshot = await snapshotting;
      // The header's project info comes in its own request, asked once the snapshot is in: the
      // events replayed from the snapshot's id then cover everything the info does not (asked
      // earlier, it could be answered first and miss an event the replay starts after). The board
      // does not wait for it, nor for git.
      const info = api.project.info.query().then(setProjectInfo, (err: unknown) => err);
      performance.mark('studio:data');
      batch(() => {
        replaceTasks(snapshot.tasks);
        forgetActivity();
      });
      // User Timing marks: the bench and the browser tests read how long a load takes to reach the screen.
      performance.mark('studio:rendered');
      requestAnimationFrame(() => setTimeout(() => performance.mark('studio:painted')));
      // Pending requests are read after the snapshot: the events replayed from its id then cover any
      // change in between (applying one twice changes nothing).
      const pending = await api.requests.list.query();
      replaceRequests(pending);
      if (!sub) {
        cursor = snapshot.lastEventId;
        sub = subscribe();
      }
      // Events wait for the project info too: its file problems may be older than an event that
      // arrived first, and applying them on top keeps a banner the info's list did not have yet.
      const failed = await info;
      if (failed) throw failed;
      batch(() => {
        for (const event of held ?? []) applyEvent(event);
      });
      held = null;
    } catch (err) {
      if (isUnauthorized(err)) return onUnauthorized();
      toast(`Loading the board failed: ${errorText(err)}`, 'error');
      retry = setTimeout(() => void load(), 2_000);
    }
  };

  const subscribe = () =>
    api.events.onEvent.subscribe(
      { lastEventId: cursor },
      {
        onData: (tracked) => {
          cursor = tracked.id;
          const event = tracked.data;
          if (event.type === 'resync') void load();
          else if (held) held.push(event);
          else applyEvent(event);
        },
        onConnectionStateChange: (state) => {
          if (state.state === 'pending') {
            setConnection('live');
            wasLive = true;
          } else if (state.state === 'connecting') setConnection(wasLive ? 'reconnecting' : 'connecting');
        },
        onError: (err) => {
          if (isUnauthorized(err)) return onUnauthorized();
          setConnection('reconnecting');
          toast(`Live updates stopped: ${errorText(err)}`, 'error');
          retry = setTimeout(() => {
            sub = subscribe();
          }, 2_000);
        },
      },
    );
  void load();
  return () => {
    clearTimeout(retry);
    sub?.unsubscribe();
  };
}

/**
 * Asks for the project info again (the config changed, the page came back into focus). Laid
 * under the events that came while it was out: a file problem reported meanwhile stays. A failed
 * request changes nothing.
 */
export async function refreshProjectInfo(api: Api): Promise<void> {
  await answerUnderEvents(() => api.project.info.query().catch(() => undefined), setProjectInfo, coveredByProjectInfo);
}
