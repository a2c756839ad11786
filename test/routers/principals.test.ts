import fs from 'node:fs';
import { TRPCError } from '@trpc/server';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Principal } from '../../server/lib/principal.js';
import { appRouter } from '../../server/routers/index.js';
import { createStudioClient } from '../../server/script-client.js';
import type { StudioMeta } from '../../server/trpc.js';
import { startStudio, stopStudios } from '../helpers/studio.js';
import { removeTempDirs } from '../helpers/temp-repo.js';

afterEach(stopStudios);
afterAll(removeTempDirs);

type Proc = { _def: { type: 'query' | 'mutation' | 'subscription'; meta?: StudioMeta } };
const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, Proc>);

/** What an agent may do with each procedure; everything not named here is for a person. */
const AGENT_ACCESS: Record<string, string> = {
  health: 'read',
  'project.info': 'read',
  'project.models': 'read',
  'config.get': 'read',
  'devServer.get': 'read',
  'tasks.list': 'read',
  'tasks.snapshot': 'read',
  'tasks.get': 'read',
  'tasks.diff': 'read',
  'tasks.activity': 'read',
  'tasks.activityRows': 'read',
  'tasks.create': 'follow-up',
  'comments.list': 'read',
  'comments.add': 'own-task',
  'requests.list': 'read',
  'events.onEvent': 'read',
};

/** Calls procedure `path` as `principal` through the router itself, the way every edge does. */
async function call(services: unknown, principal: Principal, path: string, input: unknown): Promise<unknown> {
  const caller = appRouter.createCaller({ services, principal } as never) as unknown as Record<
    string,
    Record<string, (input: unknown) => Promise<unknown>> & ((input: unknown) => Promise<unknown>)
  >;
  const [first, second] = path.split('.') as [string, string | undefined];
  return second ? caller[first]![second]!(input) : (caller[first] as unknown as (i: unknown) => Promise<unknown>)(input);
}

async function refusal(promise: Promise<unknown>): Promise<{ code: string; reason: unknown }> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof TRPCError) return { code: err.code, reason: (err.cause as { reason?: unknown } | undefined)?.reason };
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('principals: an agent never holds a person’s powers', () => {
  it('every procedure declares what an agent may do, and the list is exactly the agreed one', () => {
    const declared = Object.fromEntries(
      procedures.map(([path, p]) => [path, p._def.meta?.access ?? 'person']).filter(([, a]) => a !== 'person'),
    );
    expect(declared).toEqual(AGENT_ACCESS);
  });

  it('an agent principal is refused by every person-only procedure (FORBIDDEN, agent-not-allowed), and nothing changes', async () => {
    const { studio, root } = await startStudio();
    const own = await studio.services.tasks.create({ title: 'The agent’s own task' });
    const other = await studio.services.tasks.create({ title: 'A person’s task' });
    const agent: Principal = { kind: 'agent', taskId: own.id };
    const personOnly = procedures.filter(([path, p]) => !(path in AGENT_ACCESS) && p._def.type !== 'subscription');
    expect(personOnly.map(([path]) => path)).toEqual(
      expect.arrayContaining([
        'tasks.delete',
        'tasks.approvePlan',
        'tasks.merge',
        'tasks.move',
        'config.update',
        'project.trust',
      ]),
    );
    for (const [path] of personOnly) {
      const input = { id: other.id, force: true, status: 'done', feedback: 'x', title: 'hijacked', hash: 'h', maxParallel: 1 };
      expect(await refusal(call(studio.services, agent, path, input)), path).toEqual({
        code: 'FORBIDDEN',
        reason: 'agent-not-allowed',
      });
    }
    // The person's task is as it was; its file is still there.
    expect(studio.services.store.tasks.get(other.id)).toMatchObject({ title: 'A person’s task', status: 'todo' });
    expect(fs.existsSync(`${root}/.opencode-studio/tasks/${other.id}.json`)).toBe(true);
    expect(studio.services.store.config.get().maxParallel).toBe(3);
    // The same call as the person goes through: the refusal above was about who called.
    await call(studio.services, { kind: 'person' }, 'tasks.delete', { id: other.id });
    expect(studio.services.store.tasks.find(other.id)).toBeUndefined();
  });

  it('an agent’s task_create is a follow-up of its own task that never starts; a comment on another task is refused', async () => {
    const { studio } = await startStudio();
    const own = await studio.services.tasks.create({ title: 'Own' });
    const other = await studio.services.tasks.create({ title: 'Other' });
    const agent: Principal = { kind: 'agent', taskId: own.id };
    const created = (await call(studio.services, agent, 'tasks.create', {
      title: 'Follow-up',
      parent: other.id,
      autoStart: true,
      dependsOn: [other.id],
    })) as { parent: string; status: string; autoStart?: boolean };
    expect(created).toMatchObject({ parent: own.id, status: 'todo' });
    expect(created.autoStart).toBeUndefined();
    const comment = { id: other.id, path: 'a.txt', line: 1, body: 'not mine' };
    expect(await refusal(call(studio.services, agent, 'comments.add', comment))).toEqual({
      code: 'FORBIDDEN',
      reason: 'agent-not-allowed',
    });
    // On its own task the principal check lets it through (the task has no branch yet, so the service answers no-branch).
    expect(await refusal(call(studio.services, agent, 'comments.add', { ...comment, id: own.id }))).toMatchObject({
      reason: 'no-branch',
    });
  });

  it('over HTTP an agent credential is agent(taskId), a forged one is refused, and the person’s token stays the person', async () => {
    const { studio, client } = await startStudio();
    const own = await client.tasks.create.mutate({ title: 'Own' });
    const other = await client.tasks.create.mutate({ title: 'Other' });
    const agentClient = createStudioClient({ url: studio.url, token: studio.credentials.issue(own.id) });
    const forged = createStudioClient({
      url: studio.url,
      token: `agent.${other.id}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`,
    });
    try {
      expect((await agentClient.tasks.list.query()).map((t) => t.id).sort()).toEqual([own.id, other.id].sort());
      await expect(agentClient.tasks.delete.mutate({ id: other.id, force: true })).rejects.toMatchObject({
        data: { code: 'FORBIDDEN', reason: 'agent-not-allowed' },
      });
      await expect(forged.tasks.list.query()).rejects.toMatchObject({ data: { reason: 'unauthorized' } });
      const rest = await fetch(`${studio.url}/api/tasks/${other.id}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${studio.credentials.issue(own.id)}` },
      });
      expect(rest.status).toBe(403);
      expect(await rest.json()).toMatchObject({ reason: 'agent-not-allowed' });
      expect((await client.tasks.get.query({ id: other.id })).task.title).toBe('Other');
    } finally {
      agentClient.close();
      forged.close();
    }
  });
});
