import { tracked } from '@trpc/server';
import { EventsInput } from '../../shared/api.js';
import type { StudioEvent } from '../../shared/events.js';
import { procedure, router } from '../trpc.js';

/** A subscriber that falls this far behind is told to resync rather than kept in memory forever. */
const MAX_QUEUE = 20_000;

export const eventsRouter = router({
  onEvent: procedure
    .meta({ access: 'read' })
    .input(EventsInput.optional())
    .subscription(async function* ({ ctx, input, signal }) {
      const bus = ctx.services.bus;
      const queue: StudioEvent[] = [];
      let wake: (() => void) | null = null;
      let overflow = false;
      const off = bus.on((event) => {
        if (queue.length >= MAX_QUEUE) overflow = true;
        else queue.push(event);
        wake?.();
      });
      // No Promise.race against a long-lived promise here: each race would leave a reaction on it, per event.
      signal?.addEventListener('abort', () => wake?.(), { once: true });
      try {
        // Live events are queued from here on; the replay covers what came before, without repeats.
        let lastSent = 0;
        if (input?.lastEventId) {
          const replay = bus.since(input.lastEventId);
          if ('resync' in replay) {
            const id = bus.cursor;
            yield tracked(id, { type: 'resync', reason: replay.resync, id, at: new Date().toISOString() } as StudioEvent);
            lastSent = bus.seqOf(id) ?? 0;
          } else {
            for (const event of replay.events) {
              yield tracked(event.id, event);
              lastSent = bus.seqOf(event.id) ?? lastSent;
            }
          }
        }
        while (!signal?.aborted) {
          if (overflow) {
            overflow = false;
            queue.length = 0;
            const id = bus.cursor;
            yield tracked(id, {
              type: 'resync',
              reason: 'you fell too far behind',
              id,
              at: new Date().toISOString(),
            } as StudioEvent);
            lastSent = bus.seqOf(id) ?? lastSent;
          }
          const event = queue.shift();
          if (event) {
            const seq = bus.seqOf(event.id) ?? 0;
            if (seq > lastSent) {
              lastSent = seq;
              yield tracked(event.id, event);
            }
            continue;
          }
          await new Promise<void>((resolve) => {
            wake = resolve;
            if (signal?.aborted || queue.length > 0 || overflow) resolve();
          });
          wake = null;
        }
      } finally {
        off();
      }
    }),
});
