import type { Access, StudioMeta } from '../trpc.js';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * The REST face of a procedure: every operation has a summary, needs the bearer token and
 * declares each status it can answer (server/http/openapi.ts gives them the `ApiError` body).
 * `refuses: false` for a read that no state of the workspace or of OpenCode can refuse (412).
 * `access` is what an agent session may do with it (server/trpc.ts); by default nothing.
 */
export function rest(
  method: Method,
  path: `/${string}`,
  summary: string,
  tag: string,
  { refuses = true, access = 'person' }: { refuses?: boolean; access?: Access } = {},
): StudioMeta {
  const statuses = [400, 401, 403, 413, 500];
  if (method !== 'GET' && method !== 'DELETE') statuses.push(415);
  if (path.includes('{')) statuses.push(404);
  if (refuses) statuses.push(412);
  return { access, openapi: { method, path, summary, tags: [tag], protect: true, errorResponses: statuses.sort() } };
}
