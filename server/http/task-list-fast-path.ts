import type { NextFunction, Request, Response } from 'express';
import { ListTasksInput } from '../../shared/api.js';
import type { StudioStore } from '../store/studio-store.js';

type Route = {
  /** The procedure's input as sent; undefined when there is none. */
  input(url: URL): unknown;
  /** The answer's JSON, or null when the input is not one this path serves. */
  body(store: StudioStore, input: unknown): Buffer[] | null;
};

// A label or search filter is answered by the router (the cache holds whole columns only).
const list: Route['body'] = (store, input) => {
  const parsed = ListTasksInput.optional().safeParse(input ?? undefined);
  if (!parsed.success || parsed.data?.label || parsed.data?.search) return null;
  return [store.tasks.listJson(parsed.data?.status)];
};

// The event id and the list are read in the same tick: no event can fall between them.
const snapshot: Route['body'] = (store, input) =>
  input === undefined || (isObject(input) && Object.keys(input).length === 0)
    ? [Buffer.from(`{"lastEventId":${JSON.stringify(store.bus.cursor)},"tasks":`), store.tasks.listJson(), CLOSE_OBJECT]
    : null;

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
 * `tasks.list` and `tasks.snapshot` are the large answers (10,000 tasks are ~4 MB of JSON). The
 * store keeps the list serialized, so here it is sent as is, in exactly the shapes tRPC and the
 * REST routes produce; anything unusual (a bad input, a batch with other calls) falls through to them.
 */
export function taskListFastPath(store: StudioStore) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET') return next();
    const url = new URL(req.originalUrl, 'http://x');
    let parts: Buffer[] | null = null;
    const rest = REST[url.pathname];
    const procedure = TRPC[url.pathname];
    if (rest) parts = rest.body(store, rest.input(url));
    else if (procedure) {
      const batch = url.searchParams.get('batch') === '1';
      const input = parseJson(url.searchParams.get('input'));
      if (input === INVALID) return next();
      if (batch && input !== undefined && (!isObject(input) || Object.keys(input).some((k) => k !== '0'))) return next();
      const body = procedure(store, batch ? (input as Record<string, unknown> | undefined)?.['0'] : input);
      parts = body && (batch ? [OPEN_BATCH, ...body, CLOSE_BATCH] : [OPEN, ...body, CLOSE]);
    }
    if (!parts) return next();
    const body = Buffer.concat(parts);
    res.setHeader('Content-Type', 'application/json');
    res.setHeader('Content-Length', body.length);
    res.end(body);
  };
}

const OPEN = Buffer.from('{"result":{"data":');
const CLOSE = Buffer.from('}}');
const OPEN_BATCH = Buffer.from('[{"result":{"data":');
const CLOSE_BATCH = Buffer.from('}}]');
const CLOSE_OBJECT = Buffer.from('}');
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
