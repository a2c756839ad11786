import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { PERSON } from '../../server/lib/principal.js';
import { appRouter } from '../../server/routers/index.js';
import { startStudio, stopStudios } from '../helpers/studio.js';
import { removeTempDirs } from '../helpers/temp-repo.js';

afterEach(stopStudios);
afterAll(removeTempDirs);

describe('tasks.list served from the store cache', () => {
  it('answers exactly what tRPC itself answers, batched or not, and over REST; stays fresh after changes', async () => {
    const { client, studio } = await startStudio();
    const a = await client.tasks.create.mutate({ title: 'A', labels: ['x'] });
    await client.tasks.create.mutate({ title: 'B' });
    const caller = appRouter.createCaller({ services: studio.services, principal: PERSON });
    const cached = vi.spyOn(studio.services.store.tasks, 'listJson');
    const headers = { authorization: `Bearer ${studio.token}` };
    const viaTrpc = await caller.tasks.list();
    const single = await (await fetch(`${studio.url}/trpc/tasks.list`, { headers })).json();
    expect(single).toEqual({ result: { data: JSON.parse(JSON.stringify(viaTrpc)) } });
    const filtered = await (
      await fetch(`${studio.url}/trpc/tasks.list?input=${encodeURIComponent('{"status":"done"}')}`, { headers })
    ).json();
    expect(filtered).toEqual({ result: { data: [] } });
    const batch = await (
      await fetch(`${studio.url}/trpc/tasks.list?batch=1&input=${encodeURIComponent('{"0":{"status":"todo"}}')}`, { headers })
    ).json();
    expect(batch).toEqual([{ result: { data: JSON.parse(JSON.stringify(await caller.tasks.list({ status: 'todo' }))) } }]);
    expect(await (await fetch(`${studio.url}/api/tasks?status=todo`, { headers })).json()).toEqual(
      JSON.parse(JSON.stringify(viaTrpc)),
    );
    await client.tasks.update.mutate({ id: a.id, title: 'A renamed' });
    expect((await client.tasks.list.query()).map((t) => t.title)).toEqual(['A renamed', 'B']);
    expect(cached).toHaveBeenCalledTimes(5);
  });

  it('tasks.snapshot: the same list with the id of the last event it includes, over tRPC (batched or not) and REST', async () => {
    const { client, studio } = await startStudio();
    const a = await client.tasks.create.mutate({ title: 'A' });
    await client.tasks.create.mutate({ title: 'B', labels: ['x'] });
    const caller = appRouter.createCaller({ services: studio.services, principal: PERSON });
    const cached = vi.spyOn(studio.services.store.tasks, 'listJson');
    const headers = { authorization: `Bearer ${studio.token}` };
    const expected = JSON.parse(JSON.stringify(await caller.tasks.snapshot()));
    expect(expected.lastEventId).toBe(studio.services.bus.lastId);
    expect(expected.tasks).toEqual(JSON.parse(JSON.stringify(await caller.tasks.list())));
    expect(await (await fetch(`${studio.url}/trpc/tasks.snapshot`, { headers })).json()).toEqual({
      result: { data: expected },
    });
    expect(
      await (
        await fetch(`${studio.url}/trpc/tasks.snapshot?batch=1&input=${encodeURIComponent('{"0":{}}')}`, { headers })
      ).json(),
    ).toEqual([{ result: { data: expected } }]);
    expect(await (await fetch(`${studio.url}/api/board`, { headers })).json()).toEqual(expected);
    expect(cached).toHaveBeenCalledTimes(3);
    // The typed client (as the board calls it) sees a change and the event that made it.
    await client.tasks.update.mutate({ id: a.id, title: 'A renamed' });
    const after = await client.tasks.snapshot.query();
    expect(after.tasks.map((t) => t.title)).toEqual(['A renamed', 'B']);
    expect(after.lastEventId).toBe(studio.services.bus.lastId);
    expect(after.lastEventId).not.toBe(expected.lastEventId);
  });

  it('a snapshot of a studio with no events yet names a cursor to subscribe from; bad input falls through to a 400', async () => {
    const { studio } = await startStudio();
    const headers = { authorization: `Bearer ${studio.token}` };
    const snapshot = (await (await fetch(`${studio.url}/trpc/tasks.snapshot`, { headers })).json()).result.data;
    expect(snapshot).toEqual({ lastEventId: `${studio.services.bus.epoch}-0`, tasks: [] });
    const bad = await fetch(`${studio.url}/trpc/tasks.snapshot?input=${encodeURIComponent('{"status":"todo"}')}`, { headers });
    expect(bad.status).toBe(400);
    expect((await fetch(`${studio.url}/api/board`)).status).toBe(401);
  });

  it('leaves bad input and the token check to the normal path', async () => {
    const { studio } = await startStudio();
    const headers = { authorization: `Bearer ${studio.token}` };
    expect(
      (await fetch(`${studio.url}/trpc/tasks.list?input=${encodeURIComponent('{"status":"nope"}')}`, { headers })).status,
    ).toBe(400);
    expect((await fetch(`${studio.url}/api/tasks?status=nope`, { headers })).status).toBe(400);
    expect((await fetch(`${studio.url}/trpc/tasks.list`)).status).toBe(401);
  });

  it('a label or search filter goes to the normal path, over REST and tRPC', async () => {
    const { client, studio } = await startStudio();
    const a = await client.tasks.create.mutate({ title: 'Fix the login page', labels: ['auth'] });
    await client.tasks.create.mutate({ title: 'Write docs', description: 'About LOGIN too' });
    const cached = vi.spyOn(studio.services.store.tasks, 'listJson');
    const headers = { authorization: `Bearer ${studio.token}` };
    const ids = async (query: string) =>
      ((await (await fetch(`${studio.url}/api/tasks?${query}`, { headers })).json()) as Array<{ id: string }>).map((t) => t.id);
    expect(await ids('label=auth')).toEqual([a.id]);
    expect(await ids('search=login')).toHaveLength(2);
    expect(await ids('search=login&label=auth&status=todo')).toEqual([a.id]);
    expect(await ids('search=login&status=done')).toEqual([]);
    expect((await client.tasks.list.query({ search: 'DOCS' })).map((t) => t.title)).toEqual(['Write docs']);
    expect(cached).not.toHaveBeenCalled();
    expect((await fetch(`${studio.url}/api/tasks?colour=red`, { headers })).status).toBe(400);
  });
});
