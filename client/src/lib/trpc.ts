import { createTRPCClient, createWSClient, httpBatchLink, httpLink, splitLink, type TRPCClient, wsLink } from '@trpc/client';
import type { AppRouter } from '../../../server/routers/index.js';

export type Api = TRPCClient<AppRouter>;

/**
 * Queries and mutations over batched HTTP with the bearer token; the board's snapshot alone (so
 * the server answers it from its cache, not inside a batch); the event subscription over a
 * WebSocket, which connects at once.
 */
export function createApi(token: string): Api {
  const origin = window.location.origin;
  const http = { url: `${origin}/trpc`, headers: () => ({ authorization: `Bearer ${token}` }) };
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
        false: splitLink({
          condition: (op) => op.path === 'tasks.snapshot',
          true: httpLink(http),
          false: httpBatchLink(http),
        }),
      }),
    ],
  });
}
