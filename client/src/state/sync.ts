import { batch } from 'solid-js';
import type { StudioEvent } from '../../../shared/events.js';
import type { Api } from '../lib/trpc.js';
import { applyEvent } from './apply-event.js';
import { replaceTasks } from './board.js';
import { forgetActivity } from './details.js';
import { setConfig, setConnection, setProjectInfo } from './project.js';
import { replaceRequests } from './requests.js';
import { errorText, isUnauthorized, toast } from './toasts.js';

/**
 * Keeps the stores equal to the server: a full load once the event subscription is live, then
 * events only. Events that arrive during a load are held and applied on top of it, so nothing
 * that happened in between is lost. After a drop, wsLink resubscribes with the last event id
 * and the server replays what was missed (or says `resync`).
 */
export function startSync(api: Api, onUnauthorized: () => void): () => void {
  let held: StudioEvent[] | null = [];
  let sawEvent = false;
  let wasLive = false;
  let retry: ReturnType<typeof setTimeout> | undefined;

  const load = async (): Promise<void> => {
    held ??= [];
    try {
      const [list, info, config, pending] = await Promise.all([
        api.tasks.list.query(),
        api.project.info.query(),
        api.config.get.query(),
        api.requests.list.query(),
      ]);
      performance.mark('studio:data');
      batch(() => {
        replaceTasks(list);
        replaceRequests(pending);
        forgetActivity();
        setProjectInfo(info);
        setConfig(config);
        for (const event of held ?? []) applyEvent(event);
      });
      held = null;
      // User Timing marks: the bench and the browser tests read how long a load takes to reach the screen.
      performance.mark('studio:rendered');
      requestAnimationFrame(() => setTimeout(() => performance.mark('studio:painted')));
    } catch (err) {
      if (isUnauthorized(err)) return onUnauthorized();
      toast(`Loading the board failed: ${errorText(err)}`, 'error');
      retry = setTimeout(() => void load(), 2_000);
    }
  };

  const subscribe = () =>
    api.events.onEvent.subscribe(
      {},
      {
        onStarted: () => {
          performance.mark('studio:subscribed');
          void load();
        },
        onData: (tracked) => {
          sawEvent = true;
          const event = tracked.data;
          if (event.type === 'resync') void load();
          else if (held) held.push(event);
          else applyEvent(event);
        },
        onConnectionStateChange: (state) => {
          if (state.state === 'pending') {
            setConnection('live');
            // Without an event id to resume from, the server cannot replay: fetch instead.
            if (wasLive && !sawEvent) retry = setTimeout(() => void load(), 300);
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
  let sub = subscribe();
  return () => {
    clearTimeout(retry);
    sub.unsubscribe();
  };
}
