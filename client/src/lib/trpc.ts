import { createTRPCClient, createWSClient, httpBatchLink, splitLink, type TRPCClient, wsLink } from '@trpc/client';
import type { AppRouter } from '../../../server/routers/index.js';

export type Api = TRPCClient<AppRouter>;

/** Queries and mutations over batched HTTP with the bearer token; the event subscription over a WebSocket. */
export function createApi(token: string): Api {
  const origin = window.location.origin;
  const ws = createWSClient({
    url: `${origin.replace(/^http/, 'ws')}/trpc`,
    connectionParams: { token },
    retryDelayMs: (attempt) => Math.min(500 * 2 ** attempt, 5_000),
    keepAlive: { enabled: true, intervalMs: 10_000, pongTimeoutMs: 5_000 },
  });
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: wsLink({ client: ws }),
        false: httpBatchLink({ url: `${origin}/trpc`, headers: () => ({ authorization: `Bearer ${token}` }) }),
      }),
    ],
  });
}
