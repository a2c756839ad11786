import type { OpenApiMeta } from 'trpc-to-openapi';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** The REST face of a procedure: every operation has a summary and needs the bearer token. */
export function rest(method: Method, path: `/${string}`, summary: string, tag: string): OpenApiMeta {
  return { openapi: { method, path, summary, tags: [tag], protect: true } };
}
