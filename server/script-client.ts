import { createTRPCClient, createWSClient, httpBatchLink, splitLink, type TRPCClient, wsLink } from '@trpc/client';
import WebSocket from 'ws';
import type { AppRouter } from './routers/index.js';
import { runtimeStateSync } from './store/runtime-file.js';

export type { AppRouter };
export type StudioClientOptions = { url: string; token: string } | { root: string };
export type StudioClient = TRPCClient<AppRouter> & {
  /** Close the WebSocket (if a subscription opened one) so the script can exit. */
  close(): void;
};

/**
 * A typed client for scripts: queries and mutations over batched HTTP, subscriptions over a
 * WebSocket opened only when needed. `{ root }` finds a running studio through
 * `.opencode-studio/runtime/server.json`.
 */
export function createStudioClient(options: StudioClientOptions): StudioClient {
  const { url, token } = 'root' in options ? readRuntime(options.root) : options;
  const base = url.replace(/\/+$/, '').replace(/\/\?token=.*$/, '');
  const wsClient = createWSClient({
    url: `${base.replace(/^http/, 'ws')}/trpc`,
    WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    connectionParams: { token },
    lazy: { enabled: true, closeMs: 0 },
  });
  const client = createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: wsLink({ client: wsClient }),
        false: httpBatchLink({ url: `${base}/trpc`, headers: () => ({ authorization: `Bearer ${token}` }) }),
      }),
    ],
  });
  const close = () => {
    void wsClient.close();
  };
  return new Proxy(client, {
    get: (target, key, receiver) => (key === 'close' ? close : Reflect.get(target, key, receiver)),
  }) as StudioClient;
}

function readRuntime(root: string): { url: string; token: string } {
  const runtime = runtimeStateSync(root);
  if (runtime.state === 'running') return runtime.info;
  if (runtime.state === 'starting')
    throw new Error(`the studio is starting in ${root}; try again in a moment (it writes its address when it listens)`);
  throw new Error(
    `no running studio for ${root}: .opencode-studio/runtime/server.json is missing (start one with "npx opencode-studio ${root}")`,
  );
}
