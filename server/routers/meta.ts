import type { Access, StudioMeta } from '../trpc.js';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * The REST face of a procedure: every operation has a summary, needs the bearer token and
 * declares each status it can answer (server/http/openapi.ts gives them the `ApiError` body).
 * `refuses: false` for a read that no state of the workspace or of OpenCode can refuse (412);
 * `findsTask` for a route that looks a task up by an id in its query (404 when there is none),
 * as a route with an id in its path always does.
 * `access` is what an agent session may do with it (server/trpc.ts); by default nothing.
 */
export function rest(
  method: Method,
  path: `/${string}`,
  summary: string,
  tag: string,
  { refuses = true, findsTask = false, access = 'person' }: { refuses?: boolean; findsTask?: boolean; access?: Access } = {},
): StudioMeta {
  const statuses = [400, 401, 403, 413, 500];
  if (method !== 'GET' && method !== 'DELETE') statuses.push(415);
  if (path.includes('{') || findsTask) statuses.push(404);
  if (refuses) statuses.push(412);
  return { access, openapi: { method, path, summary, tags: [tag], protect: true, errorResponses: statuses.sort() } };
}
