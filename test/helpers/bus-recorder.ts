import type { EventBus } from '../../server/events/event-bus.js';
import type { StudioEvent, StudioEventType } from '../../shared/events.js';

/** Records every event a bus emits, for assertions. */
export function recordEvents(bus: EventBus) {
  const events: StudioEvent[] = [];
  const stop = bus.on((e) => events.push(e));
  return {
    events,
    stop,
    of<T extends StudioEventType>(type: T): Extract<StudioEvent, { type: T }>[] {
      return events.filter((e): e is Extract<StudioEvent, { type: T }> => e.type === type);
    },
    clear() {
      events.length = 0;
    },
  };
}
