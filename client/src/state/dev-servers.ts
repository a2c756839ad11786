import { createStore } from 'solid-js/store';
import { eventAfter } from '../../../shared/events.js';
import type { DevServerState } from '../../../shared/task-env.js';

const LOG_CHARS = 64 * 1024;

/** Each task's dev server as the drawer shows it: loaded when the drawer opens, then kept current by events. */
const [devServers, setDevServers] = createStore<Record<string, DevServerState>>({});

export { devServers };

export function setDevServer(state: DevServerState): void {
  setDevServers(state.taskId, state);
}

/**
 * A `devserver.updated` event: the new state, and what it printed since the last one. An event the
 * known state is already current with (an answer read after it) changes nothing.
 */
export function applyDevServer(server: Omit<DevServerState, 'log' | 'event'>, output: string, eventId: string): void {
  const known = devServers[server.taskId];
  // A log never loaded would show a tail without its start: the drawer loads it whole when it opens.
  if (!known || !eventAfter(eventId, known.event)) return;
  setDevServers(server.taskId, { ...server, event: eventId, log: (known.log + output).slice(-LOG_CHARS) });
}
