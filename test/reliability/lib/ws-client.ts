import { createTRPCClient, createWSClient, type TRPCClient, wsLink } from '@trpc/client';
import WebSocket from 'ws';
import type { AppRouter } from '../../../server/routers/index.js';
import type { StudioEvent } from '../../../shared/events.js';
import type { StudioAddress } from './http.js';

export interface EventClient {
  events: StudioEvent[];
  errors: Error[];
  /** How many WebSocket connections were opened (1 unless it had to reconnect). */
  connections: () => number;
  /** Resolves once the subscription is live on the server. */
  ready: Promise<void>;
  /** The same WebSocket for queries and mutations, as the board uses it. */
  trpc: TRPCClient<AppRouter>;
  close(): Promise<void>;
}

/**
 * A browser-like board: one WebSocket with the studio's own Origin, the token in tRPC's
 * connectionParams, subscribed to every event.
 */
export function subscribeEvents(
  studio: StudioAddress,
  options: { origin?: string | null; keep?: boolean; onEvent?: (event: StudioEvent) => void; lastEventId?: string } = {},
): EventClient {
  const origin = options.origin === undefined ? studio.url : options.origin;
  let connections = 0;
  class BrowserLikeSocket extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, protocols, origin ? { headers: { origin } } : {});
      connections++;
    }
  }
  const events: StudioEvent[] = [];
  const errors: Error[] = [];
  const ws = createWSClient({
    url: `${studio.url.replace(/^http/, 'ws')}/trpc`,
    WebSocket: BrowserLikeSocket as unknown as typeof globalThis.WebSocket,
    connectionParams: { token: studio.token },
    retryDelayMs: () => 500,
  });
  const trpc = createTRPCClient<AppRouter>({ links: [wsLink({ client: ws })] });
  let onStarted: () => void = () => {};
  const ready = new Promise<void>((resolve) => (onStarted = resolve));
  const sub = trpc.events.onEvent.subscribe(options.lastEventId ? { lastEventId: options.lastEventId } : {}, {
    onStarted: () => onStarted(),
    onData: (e) => {
      if (options.keep !== false) events.push(e.data);
      options.onEvent?.(e.data);
    },
    onError: (err) => errors.push(err),
  });
  return {
    events,
    errors,
    connections: () => connections,
    ready,
    trpc,
    async close() {
      sub.unsubscribe();
      await ws.close();
    },
  };
}
