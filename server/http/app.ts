import { existsSync } from 'node:fs';
import path from 'node:path';
import { createExpressMiddleware } from '@trpc/server/adapters/express';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Context, Services } from '../context.js';
import { jsonDepth, MAX_JSON_DEPTH } from '../lib/json-depth.js';
import { appRouter } from '../routers/index.js';
import { PACKAGE_ROOT } from '../version.js';
import { restBodies, restErrorBodies, sendError } from './api-error.js';
import type { Guard } from './security.js';
import { taskListFastPath } from './task-list-fast-path.js';

export const MAX_BODY_BYTES = 2 * 1024 * 1024;

export function createApp(services: Services, guard: Guard) {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.use((req: Request, res: Response, next: NextFunction) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Referrer-Policy', 'no-referrer');
    const refused = guard.checkHostAndOrigin(req);
    if (refused) {
      sendError(req, res, 403, 'FORBIDDEN', refused);
      return;
    }
    next();
  });

  const requireToken = (req: Request, res: Response, next: NextFunction) => {
    if (guard.bearerOk(req)) return next();
    sendError(
      req,
      res,
      401,
      'UNAUTHORIZED',
      'send the token as "Authorization: Bearer <token>" (see .opencode-studio/runtime/server.json)',
    );
  };
  const bodyLimit = (req: Request, res: Response, next: NextFunction) => {
    if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) {
      sendError(req, res, 413, 'PAYLOAD_TOO_LARGE', `request bodies are limited to ${MAX_BODY_BYTES} bytes`);
      return;
    }
    next();
  };
  // The token middleware above refused a request without a valid token; this says whose it is.
  const createContext = ({ req }: { req: Request }): Context => ({ services, principal: guard.principalOf(req) });

  const fastList = taskListFastPath(services.store);
  app.use(
    '/trpc',
    requireToken,
    bodyLimit,
    fastList,
    createExpressMiddleware({ router: appRouter, createContext, maxBodySize: MAX_BODY_BYTES }),
  );
  // trpc-to-openapi takes req.body when it is set; parsing here lets deep JSON be refused before anything recurses into it.
  const restJson = express.json({
    limit: MAX_BODY_BYTES,
    strict: false, // restBodies refuses a body that is not an object, in the documented shape
    verify: (_req, _res, buf) => {
      if (jsonDepth(buf) > MAX_JSON_DEPTH)
        throw Object.assign(new Error(`JSON nested more than ${MAX_JSON_DEPTH} levels deep`), { status: 400, expose: true });
    },
  });
  // The REST face (trpc-to-openapi, and the document it generates) loads on its first request:
  // the board and the typed client never use it, and it is a third of the start-up's imports.
  const doc = once(async () => (await import('./openapi.js')).openApiDocument());
  const rest = once(async () => {
    const { createOpenApiExpressMiddleware } = await import('trpc-to-openapi');
    return createOpenApiExpressMiddleware({ router: appRouter, createContext, maxBodySize: MAX_BODY_BYTES });
  });
  app.get('/api/openapi.json', requireToken, (_req, res, next) => {
    doc().then((d) => res.json(d), next);
  });
  app.use(
    '/api',
    requireToken,
    bodyLimit,
    restErrorBodies,
    restJson,
    restBodies,
    fastList,
    (req: Request, res: Response, next: NextFunction) => {
      rest().then((handler) => handler(req, res), next);
    },
  );

  serveClient(app);
  app.use(jsonErrors);
  return app;
}

/** `load` runs on the first call; every call gets its one promise. */
function once<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => {
    loaded ??= load();
    return loaded;
  };
}

function serveClient(app: express.Express): void {
  const dir = path.join(PACKAGE_ROOT, 'dist', 'client');
  const index = path.join(dir, 'index.html');
  const csp =
    "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'";
  app.use((_req, res, next) => {
    res.setHeader('Content-Security-Policy', csp);
    next();
  });
  app.use(
    express.static(dir, {
      index: false,
      maxAge: '1h',
      setHeaders: (res, file) => file.endsWith('.html') && res.setHeader('Cache-Control', 'no-cache'),
    }),
  );
  app.get(/^\/(?!trpc|api).*/, (_req, res) => {
    if (!existsSync(index)) {
      res.status(503).type('text').send('The board is not built: run "npm run build" in the opencode-studio checkout.');
      return;
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index);
  });
}

/** Errors raised before a router (a body too large or malformed): a JSON answer, never Express's HTML page with a stack. */
function jsonErrors(
  err: { status?: number; expose?: boolean; message?: string },
  req: Request,
  res: Response,
  next: NextFunction,
): void {
  if (res.headersSent) {
    next(err);
    return;
  }
  const status = typeof err.status === 'number' && err.status >= 400 && err.status < 600 ? err.status : 500;
  if (status >= 500) console.error('request failed:', err);
  const code = status === 413 ? 'PAYLOAD_TOO_LARGE' : status >= 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST';
  sendError(req, res, status, code, err.expose ? String(err.message) : 'the request could not be read');
}
