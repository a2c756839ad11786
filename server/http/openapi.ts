import { generateOpenApiDocument } from 'trpc-to-openapi';
import { appRouter } from '../routers/index.js';
import { STUDIO_VERSION } from '../version.js';

export function openApiDocument(baseUrl = '/api') {
  return generateOpenApiDocument(appRouter, {
    title: 'OpenCode Studio',
    description:
      'The same task API as the typed tRPC client. Send "Authorization: Bearer <token>" (from .opencode-studio/runtime/server.json).',
    version: STUDIO_VERSION,
    baseUrl,
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
  });
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
