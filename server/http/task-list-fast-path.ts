import type { NextFunction, Request, Response } from 'express';
import { ListTasksInput } from '../../shared/api.js';
import type { StudioStore } from '../store/studio-store.js';

/**
 * `tasks.list` is the one large answer (10,000 tasks are ~4 MB of JSON). The store keeps it
 * serialized, so here it is sent as is, in exactly the shapes tRPC and the REST route produce;
 * anything unusual (a bad input, a batch with other calls) falls through to them.
 */
export function taskListFastPath(store: StudioStore) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET') return next();
    const url = new URL(req.originalUrl, 'http://x');
    let wrap: ((list: Buffer) => Buffer[]) | null = null;
    let rawInput: unknown;
    if (url.pathname === '/api/tasks') {
      wrap = (list) => [list];
      rawInput = url.searchParams.size > 0 ? Object.fromEntries(url.searchParams) : undefined;
    } else if (url.pathname === '/trpc/tasks.list') {
      const batch = url.searchParams.get('batch') === '1';
      const input = parseJson(url.searchParams.get('input'));
      if (input === INVALID) return next();
      rawInput = batch ? (input as Record<string, unknown> | undefined)?.['0'] : input;
      if (batch && input !== undefined && Object.keys(input as object).some((k) => k !== '0')) return next();
      wrap = batch ? (list) => [OPEN_BATCH, list, CLOSE_BATCH] : (list) => [OPEN, list, CLOSE];
    } else return next();
    const parsed = ListTasksInput.optional().safeParse(rawInput ?? undefined);
    if (!parsed.success || parsed.data?.label || parsed.data?.search) return next();
    const body = Buffer.concat(wrap(store.tasks.listJson(parsed.data?.status)));
    res.setHeader('Content-Type', 'application/json');
    res.setHeader('Content-Length', body.length);
    res.end(body);
  };
}

const OPEN = Buffer.from('{"result":{"data":');
const CLOSE = Buffer.from('}}');
const OPEN_BATCH = Buffer.from('[{"result":{"data":');
const CLOSE_BATCH = Buffer.from('}}]');
const INVALID = Symbol('invalid');

function parseJson(text: string | null): unknown {
  if (text === null) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return INVALID;
  }
}
