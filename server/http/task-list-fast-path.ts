import type { NextFunction, Request, Response } from 'express';
import { ListTasksInput } from '../../shared/api.js';
import type { TaskService } from '../services/task-service.js';

type Route = {
  /** The procedure's input as sent; undefined when there is none. */
  input(url: URL): unknown;
  /** The answer's JSON, or null when the input is not one this path serves. */
  body(tasks: TaskService, input: unknown): Buffer | null;
};

const list: Route['body'] = (tasks, input) => {
  const parsed = ListTasksInput.optional().safeParse(input ?? undefined);
  return parsed.success ? tasks.listJson(parsed.data) : null;
};

const snapshot: Route['body'] = (tasks, input) =>
  input === undefined || (isObject(input) && Object.keys(input).length === 0) ? tasks.snapshotJson() : null;

const fromQuery = (url: URL) => (url.searchParams.size > 0 ? Object.fromEntries(url.searchParams) : undefined);
const none = () => undefined;

const REST: Record<string, Route> = {
  '/api/tasks': { input: fromQuery, body: list },
  '/api/board': { input: none, body: snapshot },
};
const TRPC: Record<string, Route['body']> = {
  '/trpc/tasks.list': list,
  '/trpc/tasks.snapshot': snapshot,
};

/**
 * `tasks.list` and `tasks.snapshot` (server/routers/tasks.ts) are the large answers (10,000 tasks
 * are ~4 MB of JSON, which tRPC would serialize and check against the output schema on every
 * call). TaskService keeps them serialized, so here they are sent as is, in tRPC's envelope
 * (`trpcEnvelope`, held against tRPC's own in test/http/task-list-fast-path.test.ts) or as the
 * REST body; anything unusual (a bad input, a batch with other calls) falls through to the router.
 */
export function taskListFastPath(tasks: TaskService) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET') return next();
    const url = new URL(req.originalUrl, 'http://x');
    let parts: Buffer[] | null = null;
    const rest = REST[url.pathname];
    const procedure = TRPC[url.pathname];
    if (rest) {
      const body = rest.body(tasks, rest.input(url));
      parts = body && [body];
    } else if (procedure) {
      const batch = url.searchParams.get('batch') === '1';
      const input = parseJson(url.searchParams.get('input'));
      if (input === INVALID) return next();
      if (batch && input !== undefined && (!isObject(input) || Object.keys(input).some((k) => k !== '0'))) return next();
      const body = procedure(tasks, batch ? (input as Record<string, unknown> | undefined)?.['0'] : input);
      parts = body && trpcEnvelope(body, batch);
    }
    if (!parts) return next();
    const body = Buffer.concat(parts);
    res.setHeader('Content-Type', 'application/json');
    res.setHeader('Content-Length', body.length);
    res.end(body);
  };
}

/** A query's answer as tRPC's HTTP link expects it: `{"result":{"data":…}}`, in an array when batched. */
export function trpcEnvelope(data: Buffer, batch: boolean): Buffer[] {
  return batch ? [OPEN_BATCH, data, CLOSE_BATCH] : [OPEN, data, CLOSE];
}

const OPEN = Buffer.from('{"result":{"data":');
const CLOSE = Buffer.from('}}');
const OPEN_BATCH = Buffer.from('[{"result":{"data":');
const CLOSE_BATCH = Buffer.from('}}]');
const INVALID = Symbol('invalid');

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJson(text: string | null): unknown {
  if (text === null) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return INVALID;
  }
}
