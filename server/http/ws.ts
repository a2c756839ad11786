import type { Server } from 'node:http';
import { TRPCError } from '@trpc/server';
import { applyWSSHandler } from '@trpc/server/adapters/ws';
import { WebSocketServer } from 'ws';
import type { Context, Services } from '../context.js';
import { appRouter } from '../routers/index.js';
import type { Guard } from './security.js';

/**
 * tRPC over WebSocket on `/trpc`. Host and Origin are checked at the upgrade; the token comes
 * in tRPC's connectionParams (a browser cannot set headers on a WebSocket), or as a bearer header.
 */
export function attachWebSocket(server: Server, services: Services, guard: Guard) {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    const refused = new URL(req.url ?? '/', 'http://x').pathname !== '/trpc' ? 'not found' : guard.checkHostAndOrigin(req);
    if (refused) {
      socket.end(
        `HTTP/1.1 ${refused === 'not found' ? '404 Not Found' : '403 Forbidden'}\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\n${refused}\n`,
      );
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });
  const handler = applyWSSHandler({
    wss,
    router: appRouter,
    keepAlive: { enabled: true, pingMs: 20_000, pongWaitMs: 10_000 },
    createContext: ({ req, info }): Context => {
      const principal = guard.principalOf(req, info.connectionParams?.token);
      if (!principal) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'a valid token is required' });
      return { services, principal };
    },
  });
  return {
    /** Tell every client to reconnect (on shutdown), then close. */
    async close(): Promise<void> {
      handler.broadcastReconnectNotification();
      await new Promise((r) => setTimeout(r, 50));
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
    get clients() {
      return wss.clients.size;
    },
  };
}
