import { generateOpenApiDocument } from 'trpc-to-openapi';
import { z } from 'zod';
import { ApiError } from '../../shared/api.js';
import { appRouter } from '../routers/index.js';
import { STUDIO_VERSION } from '../version.js';

type Responses = Record<string, { description?: string; content?: unknown }>;
type Operation = { responses: Responses };

const STATUS_TEXT: Record<string, string> = {
  400: 'Invalid input: the message and `issues` name the field',
  401: 'No valid token',
  403: 'A foreign Host or Origin',
  404: 'No such task',
  412: 'Not allowed now: `reason` says why (lifecycle, a malformed file, OpenCode not available, …)',
  413: 'The body is too large',
  415: 'A body that is not JSON',
  500: 'An unexpected error',
};

export function openApiDocument(baseUrl = '/api') {
  const doc = generateOpenApiDocument(appRouter, {
    title: 'OpenCode Studio',
    description:
      'The same task API as the typed tRPC client. Send "Authorization: Bearer <token>" (from .opencode-studio/runtime/server.json). Every error answers an `ApiError` whose `reason` is a stable code to branch on.',
    version: STUDIO_VERSION,
    baseUrl,
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
  });
  // Every error status answers the one ApiError body (server/http/api-error.ts), not trpc-to-openapi's own.
  const errorContent = { 'application/json': { schema: { $ref: '#/components/schemas/ApiError' } } };
  for (const methods of Object.values(doc.paths ?? {}))
    for (const operation of Object.values(methods as Record<string, Operation>))
      for (const status of Object.keys(operation.responses))
        if (Number(status) >= 400)
          operation.responses[status] = { description: STATUS_TEXT[status] ?? 'An error', content: errorContent };
  const schemas = Object.fromEntries(
    Object.entries(doc.components?.schemas ?? {}).filter(([name]) => !name.startsWith('error.')),
  );
  doc.components = { ...doc.components, schemas: { ...schemas, ApiError: jsonSchema(ApiError) } };
  return doc;
}

function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _, ...rest } = z.toJSONSchema(schema) as Record<string, unknown>;
  return rest;
}

type ProcedureLike = { _def: { meta?: { openapi?: { method: string; path: string; operationId?: string } } } };

/** Two procedures on the same method + path, or with the same operationId: the REST face would lie. */
export function openApiCollisions(procedures: Record<string, unknown>): string[] {
  const routes = new Map<string, string>();
  const operations = new Map<string, string>();
  const problems: string[] = [];
  for (const [name, procedure] of Object.entries(procedures)) {
    const openapi = (procedure as ProcedureLike)._def.meta?.openapi;
    if (!openapi) continue;
    const route = `${openapi.method.toUpperCase()} ${openapi.path.replace(/\{[^}]+\}/g, '{}')}`;
    const operationId = openapi.operationId ?? name.replace(/\./g, '-');
    if (routes.has(route)) problems.push(`${route} is served by both ${routes.get(route)} and ${name}`);
    if (operations.has(operationId))
      problems.push(`operationId ${operationId} is used by both ${operations.get(operationId)} and ${name}`);
    routes.set(route, name);
    operations.set(operationId, name);
  }
  return problems;
}
