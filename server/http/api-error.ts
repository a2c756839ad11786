import { type TRPC_ERROR_CODE_KEY, TRPC_ERROR_CODES_BY_KEY } from '@trpc/server/rpc';
import type { NextFunction, Request, Response } from 'express';
import type { ApiError } from '../../shared/api.js';
import { ERROR_REASONS, type ErrorReason } from '../../shared/errors.js';
import { reasonForCode } from '../errors.js';
import { describeZodIssues } from '../lib/zod-issues.js';

type Issue = { path: readonly PropertyKey[]; message: string };

/**
 * An error answered before a router runs (no token, a foreign Host, a body too large or not
 * JSON). REST gets the documented `ApiError`; the tRPC paths get tRPC's own shape, so the typed
 * client reads the same `reason` in `error.data`.
 */
export function sendError(req: Request, res: Response, status: number, code: TRPC_ERROR_CODE_KEY, message: string): void {
  const reason = reasonForCode(code);
  if (req.originalUrl.startsWith('/api')) {
    res.status(status).json({ code, message, reason } satisfies ApiError);
    return;
  }
  const rpcCode = TRPC_ERROR_CODES_BY_KEY[code];
  res.status(status).json({ error: { message, code: rpcCode, data: { code, httpStatus: status, reason } } });
}

/**
 * trpc-to-openapi answers an error with tRPC's error shape spread into the body (its `data`,
 * zod's raw issues) and has no hook to shape it; this turns that body into `ApiError` as it
 * is sent. Mounted on `/api` only.
 */
export function restErrorBodies(_req: Request, res: Response, next: NextFunction): void {
  const end = res.end;
  res.end = function (this: Response, chunk?: unknown, ...rest: unknown[]) {
    const json = String(res.getHeader('content-type') ?? '').startsWith('application/json');
    const body = res.statusCode >= 400 && json && typeof chunk === 'string' ? toApiError(chunk) : chunk;
    return (end as (...args: unknown[]) => Response).call(this, body, ...rest);
  } as Response['end'];
  next();
}

function toApiError(text: string): string {
  const body = JSON.parse(text) as {
    code?: unknown;
    message?: unknown;
    reason?: unknown;
    data?: { reason?: unknown };
    issues?: Issue[];
  };
  const code = typeof body.code === 'string' ? body.code : 'INTERNAL_SERVER_ERROR';
  const known = (value: unknown): value is ErrorReason => (ERROR_REASONS as readonly unknown[]).includes(value);
  const reason = [body.data?.reason, body.reason].find(known) ?? reasonForCode(code);
  const issues = Array.isArray(body.issues) ? body.issues : null;
  const out: ApiError = {
    code,
    // trpc-to-openapi replaces the validation message with "Input validation failed"; say which field.
    message: issues ? describeZodIssues(issues) : String(body.message ?? 'the request failed'),
    reason,
  };
  if (issues) out.issues = issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
  return JSON.stringify(out);
}

/**
 * A POST action needs no body (README's `curl -X POST …/start` sends none and no content
 * type); a JSON body must be an object, as the document says.
 */
export function restBodies(req: Request, res: Response, next: NextFunction): void {
  const bodyMethod = req.method === 'POST' || req.method === 'PUT' || req.method === 'PATCH';
  const empty = !req.headers['transfer-encoding'] && Number(req.headers['content-length'] ?? 0) === 0;
  if (bodyMethod && empty && !req.headers['content-type']) req.headers['content-type'] = 'application/json';
  const body: unknown = req.body;
  if (body !== undefined && (body === null || typeof body !== 'object' || Array.isArray(body))) {
    sendError(req, res, 400, 'BAD_REQUEST', 'the request body must be a JSON object');
    return;
  }
  next();
}
