import { createLogger } from '@stoplight/prism-core';
import { getHttpOperationsFromSpec } from '@stoplight/prism-http';
import { createClientFromOperations } from '@stoplight/prism-http/dist/client.js';
import fc from 'fast-check';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startStudio, stopStudios } from '../helpers/studio.js';
import { removeTempDirs } from '../helpers/temp-repo.js';

afterEach(stopStudios);
afterAll(removeTempDirs);

type Operation = { requestBody?: unknown; parameters?: Array<{ name: string; in: string }> };
type Doc = { paths: Record<string, Record<string, Operation>> };
type Probe = { label: string; headers?: Record<string, string>; body?: string; id?: string; query?: Record<string, string> };

/**
 * Stoplight Prism, as a validating proxy in front of the real studio: every answer must have a
 * status the document declares for that route, a body that matches its schema, and the
 * content type it names. Any violation, even a warning, fails.
 */
async function conformanceProxy(url: string, doc: unknown) {
  const operations = await getHttpOperationsFromSpec(doc as object);
  const config = {
    mock: { dynamic: false },
    isProxy: true,
    upstream: new URL(`${url}/api`),
    validateRequest: false, // the probes send bad requests on purpose
    validateResponse: true,
    checkSecurity: false,
    errors: false,
    upstreamProxy: undefined,
    logger: createLogger('conformance', { level: 'silent' }),
  } as const;
  const client = createClientFromOperations(operations, config as never);
  const problems: string[] = [];
  const statuses = new Set<string>();
  const send = async (method: string, path: string, probe: Probe) => {
    const out = await client.request(path, {
      method: method as 'get',
      headers: probe.headers ?? {},
      ...(probe.body === undefined ? {} : { body: probe.body }),
      ...(probe.query ? { url: { path, query: probe.query } } : {}),
    });
    statuses.add(`${method.toUpperCase()} ${path.replace(/\/tasks\/[^/]+/, '/tasks/{id}')} ${out.status}`);
    const type = String(out.headers?.['content-type'] ?? '');
    const where = `${method.toUpperCase()} ${path} (${probe.label}) answered ${out.status}`;
    if (!type.startsWith('application/json')) problems.push(`${where} with content type "${type}"`);
    for (const v of out.violations.output) problems.push(`${where}: ${v.message}`);
    return out;
  };
  return { send, problems, statuses };
}

describe('the OpenAPI document tells the truth (Prism validating proxy over every route)', () => {
  it('every status, body and content type each route answers is declared', async () => {
    const { studio, client } = await startStudio();
    const auth = { authorization: `Bearer ${studio.token}` };
    const json = { ...auth, 'content-type': 'application/json' };
    const doc = (await (await fetch(`${studio.url}/api/openapi.json`, { headers: auth })).json()) as Doc;
    const proxy = await conformanceProxy(studio.url, doc);
    const task = await client.tasks.create.mutate({ title: 'Probed' });
    const good: Record<string, string> = {
      'POST /tasks': '{"title":"From the proxy"}',
      'PATCH /tasks/{id}': '{"title":"Renamed"}',
      'POST /tasks/{id}/move': '{"status":"planning"}',
      'POST /tasks/{id}/request-changes': '{"feedback":"shorter"}',
      'PUT /tasks/{id}/plan': '{"markdown":"# plan"}',
      'PATCH /config': '{"maxParallel":2}',
    };
    const probes = (route: string, hasBody: boolean): Probe[] => [
      { label: 'good', headers: json, body: hasBody ? (good[route] ?? '{}') : undefined },
      { label: 'no body, no content type', headers: auth },
      { label: 'no token', headers: {} },
      { label: 'foreign origin', headers: { ...auth, origin: 'http://evil.example' } },
      { label: 'unknown task', headers: json, id: 'no-such-task-aaaaaa', body: hasBody ? (good[route] ?? '{}') : undefined },
      { label: 'bad id', headers: json, id: 'BAD..ID', body: hasBody ? '{}' : undefined },
      { label: 'wrong query', headers: auth, query: { status: 'nope', force: 'maybe' } },
      ...(hasBody
        ? ['[]', '"text"', 'null', '12', '{"unknown":1}', '{not json', '{"title":""}'].map((body) => ({
            label: `body ${body}`,
            headers: json,
            body,
          }))
        : []),
      ...(hasBody ? [{ label: 'text body', headers: { ...auth, 'content-type': 'text/plain' }, body: 'hello' }] : []),
    ];
    for (const [template, methods] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(methods)) {
        const route = `${method.toUpperCase()} ${template}`;
        for (const probe of probes(route, op.requestBody !== undefined)) {
          const id = probe.id ?? task.id;
          await proxy.send(method, template.replace('{id}', id), probe);
        }
        if (op.requestBody !== undefined)
          await fc.assert(
            fc.asyncProperty(fc.object({ maxDepth: 2 }), async (value) => {
              await proxy.send(method, template.replace('{id}', task.id), {
                label: 'generated',
                headers: json,
                body: JSON.stringify(value),
              });
            }),
            { numRuns: 15, seed: 16 },
          );
      }
    const big = JSON.stringify({ title: 'big', description: 'x'.repeat(3 * 1024 * 1024) });
    await proxy.send('post', '/tasks', { label: 'too large', headers: json, body: big });
    await proxy.send('delete', `/tasks/${task.id}`, { label: 'delete', headers: auth });
    expect(proxy.problems).toEqual([]);
    // The probes reached the statuses that matter: a refused action, a body without content type, a bad body.
    expect([...proxy.statuses]).toEqual(
      expect.arrayContaining([
        'POST /tasks/{id}/start 412',
        'PUT /tasks/{id}/plan 404',
        'POST /tasks 415',
        'POST /tasks 413',
        'POST /tasks 400',
        'GET /tasks/{id} 403',
        'GET /tasks/{id} 401',
        'DELETE /tasks/{id} 200',
      ]),
    );
  }, 180_000);
});
