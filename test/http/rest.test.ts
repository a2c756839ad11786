import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { openApiCollisions } from '../../server/http/openapi.js';
import { appRouter } from '../../server/routers/index.js';
import { createStudioClient } from '../../server/script-client.js';
import { procedure, router } from '../../server/trpc.js';
import { startStudio, stopStudios } from '../helpers/studio.js';
import { removeTempDirs } from '../helpers/temp-repo.js';

afterEach(stopStudios);
afterAll(removeTempDirs);

describe('REST and OpenAPI', () => {
  it('serves the task procedures as REST with the same contract', async () => {
    const { studio } = await startStudio();
    const headers = { authorization: `Bearer ${studio.token}`, 'content-type': 'application/json' };
    const created = await fetch(`${studio.url}/api/tasks`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ title: 'From curl' }),
    });
    expect(created.status).toBe(200);
    const task = await created.json();
    expect(task).toMatchObject({ title: 'From curl', status: 'todo' });
    const list = await (await fetch(`${studio.url}/api/tasks?status=todo`, { headers })).json();
    expect(list.map((t: { id: string }) => t.id)).toEqual([task.id]);
    const patched = await fetch(`${studio.url}/api/tasks/${task.id}`, {
      method: 'PATCH',
      headers,
      body: JSON.stringify({ title: 'Renamed' }),
    });
    expect(await patched.json()).toMatchObject({ title: 'Renamed' });
    const plan = await fetch(`${studio.url}/api/tasks/${task.id}/plan`, {
      method: 'PUT',
      headers,
      body: JSON.stringify({ markdown: '# p' }),
    });
    expect(plan.status).toBe(200);
    expect(await (await fetch(`${studio.url}/api/tasks/${task.id}`, { headers })).json()).toMatchObject({ plan: '# p\n' });
    const missing = await fetch(`${studio.url}/api/tasks/not-there`, { headers });
    expect(missing.status).toBe(404);
    const bad = await fetch(`${studio.url}/api/tasks`, { method: 'POST', headers, body: JSON.stringify({ title: '' }) });
    expect(bad.status).toBe(400);
    const refused = await fetch(`${studio.url}/api/tasks/${task.id}/move`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ status: 'done' }),
    });
    expect(refused.status).toBe(412);
    expect((await refused.json()).message).toMatch(/only a task in Review/);
    expect((await fetch(`${studio.url}/api/tasks/${task.id}`, { method: 'DELETE', headers })).status).toBe(200);
  });

  it('publishes one OpenAPI 3 document: every operation has a summary, ids and routes are unique', async () => {
    const { studio } = await startStudio();
    const doc = await (
      await fetch(`${studio.url}/api/openapi.json`, { headers: { authorization: `Bearer ${studio.token}` } })
    ).json();
    expect(doc.openapi).toMatch(/^3\./);
    const operations = Object.entries(
      doc.paths as Record<string, Record<string, { operationId: string; summary?: string }>>,
    ).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method, ...op })));
    expect(operations.length).toBeGreaterThanOrEqual(17);
    for (const op of operations) expect(op.summary, `${op.method} ${op.path}`).toBeTruthy();
    expect(new Set(operations.map((o) => o.operationId)).size).toBe(operations.length);
    expect(operations.map((o) => `${o.method} ${o.path}`)).toContain('post /tasks/{id}/approve-plan');
    expect(openApiCollisions(appRouter._def.procedures)).toEqual([]);
  });

  it('the collision check catches a duplicate route and a duplicate operationId', () => {
    const out = z.object({});
    const bad = router({
      a: procedure
        .meta({ openapi: { method: 'GET', path: '/x/{id}' } })
        .input(z.object({ id: z.string() }))
        .output(out)
        .query(() => ({})),
      b: procedure
        .meta({ openapi: { method: 'GET', path: '/x/{other}' } })
        .input(z.object({ other: z.string() }))
        .output(out)
        .query(() => ({})),
      c: procedure
        .meta({ openapi: { method: 'POST', path: '/y', operationId: 'a' } })
        .input(z.object({}))
        .output(out)
        .mutation(() => ({})),
    });
    const problems = openApiCollisions(bad._def.procedures);
    expect(problems).toEqual([
      expect.stringMatching(/GET \/x\/\{\} is served by both a and b/),
      expect.stringMatching(/operationId a is used by both a and c/),
    ]);
  });
});

describe('the typed client for scripts', () => {
  it('finds a running studio through { root }', async () => {
    const { root } = await startStudio();
    const client = createStudioClient({ root });
    const task = await client.tasks.create.mutate({ title: 'Scripted' });
    expect((await client.tasks.get.query({ id: task.id })).task.title).toBe('Scripted');
    client.close();
  });

  it('says what to do when no studio runs there', () => {
    expect(() => createStudioClient({ root: '/nonexistent-repo' })).toThrow(/no running studio.*npx opencode-studio/);
  });
});
