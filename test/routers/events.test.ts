import { createTRPCClient, createWSClient, wsLink } from '@trpc/client';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { AppRouter } from '../../server/routers/index.js';
import type { StudioEvent } from '../../shared/events.js';
import { startStudio, stopStudios } from '../helpers/studio.js';
import { removeTempDirs } from '../helpers/temp-repo.js';
import { waitFor } from '../helpers/wait.js';

afterEach(stopStudios);
afterAll(removeTempDirs);

/**
 * A WebSocket class that remembers its sockets, so a test can cut the connection like a network
 * drop, and that can hold reconnects back (they go to a closed port) until the test lets them through.
 */
function trackingWebSocket() {
  const sockets: WebSocket[] = [];
  const state = { hold: false };
  class Tracked extends WebSocket {
    constructor(address: string, ...rest: unknown[]) {
      super(state.hold ? 'ws://127.0.0.1:9/closed' : address, ...(rest as []));
      if (!state.hold) sockets.push(this);
    }
  }
  return { Tracked, sockets, state };
}

function wsClient(url: string, token: string) {
  const { Tracked, sockets, state } = trackingWebSocket();
  const client = createWSClient({
    url: `${url.replace('http', 'ws')}/trpc`,
    WebSocket: Tracked as unknown as typeof globalThis.WebSocket,
    connectionParams: { token },
    retryDelayMs: () => 100,
  });
  return { ws: client, sockets, state, trpc: createTRPCClient<AppRouter>({ links: [wsLink({ client })] }) };
}

describe('events.onEvent', () => {
  it('delivers every bus event to a subscribed client, in order, with ids', async () => {
    const { client } = await startStudio();
    const got: StudioEvent[] = [];
    let started = false;
    const sub = client.events.onEvent.subscribe({}, { onStarted: () => (started = true), onData: (e) => got.push(e.data) });
    await waitFor(() => started, 'the subscription to start');
    const t = await client.tasks.create.mutate({ title: 'Seen live' });
    await client.tasks.update.mutate({ id: t.id, title: 'Seen twice' });
    await waitFor(() => got.length >= 2, 'two events');
    expect(got.map((e) => e.type)).toEqual(['task.created', 'task.updated']);
    expect(got[1]).toMatchObject({ type: 'task.updated', task: { title: 'Seen twice' } });
    sub.unsubscribe();
  });

  it('a client that reconnects with its last id gets everything it missed, without duplicates', async () => {
    const { client, studio } = await startStudio();
    const { ws, trpc, sockets, state } = wsClient(studio.url, studio.token);
    const got: string[] = [];
    let started = false;
    const sub = trpc.events.onEvent.subscribe(
      {},
      {
        onStarted: () => (started = true),
        onData: (e) => got.push((e.data as StudioEvent & { task?: { title: string } }).task?.title ?? e.data.type),
      },
    );
    await waitFor(() => started, 'the subscription to start');
    await client.tasks.create.mutate({ title: 'before-0' });
    await waitFor(() => got.length === 1, 'first event');
    // Force a disconnect, then produce events while the client is away.
    state.hold = true;
    sockets.at(-1)!.terminate();
    await waitFor(() => sockets.at(-1)!.readyState === WebSocket.CLOSED, 'the client to see the drop');
    for (let i = 1; i <= 20; i++) await client.tasks.create.mutate({ title: `during-${i}` });
    expect(got).toHaveLength(1);
    state.hold = false;
    await waitFor(() => got.length === 21, `all 21 events (got ${got.length})`, 15_000);
    await client.tasks.create.mutate({ title: 'after' });
    await waitFor(() => got.length === 22, 'the live one after');
    expect(sockets).toHaveLength(2);
    expect(got).toEqual(['before-0', ...Array.from({ length: 20 }, (_, i) => `during-${i + 1}`), 'after']);
    sub.unsubscribe();
    await ws.close();
  });

  it("subscribing from a snapshot's id replays what changed after the snapshot, and nothing before it (the board loads this way)", async () => {
    const { client, studio } = await startStudio();
    await client.tasks.create.mutate({ title: 'in the snapshot' });
    const snapshot = await client.tasks.snapshot.query();
    expect(snapshot.tasks.map((t) => t.title)).toEqual(['in the snapshot']);
    // Changes between the snapshot and the subscription: the board must not lose them.
    await client.tasks.create.mutate({ title: 'after the snapshot' });
    const { ws, trpc } = wsClient(studio.url, studio.token);
    const got: string[] = [];
    const sub = trpc.events.onEvent.subscribe(
      { lastEventId: snapshot.lastEventId },
      { onData: (e) => got.push((e.data as StudioEvent & { task?: { title: string } }).task?.title ?? e.data.type) },
    );
    await waitFor(() => got.length === 1, 'the replayed event');
    await client.tasks.create.mutate({ title: 'live' });
    await waitFor(() => got.length === 2, 'the live event');
    expect(got).toEqual(['after the snapshot', 'live']);
    sub.unsubscribe();
    await ws.close();
  });

  it('20,000 activity entries of one task in a burst are a few WebSocket messages to another tab, and replay still reaches back past them', async () => {
    const { client, studio } = await startStudio();
    const task = await client.tasks.create.mutate({ title: 'Talks for hours' });
    const before = studio.services.bus.cursor;
    const { ws, trpc, sockets } = wsClient(studio.url, studio.token);
    const ids: string[] = [];
    let entries = 0;
    let updated = false;
    let started = false;
    const sub = trpc.events.onEvent.subscribe(
      {},
      {
        onStarted: () => (started = true),
        onData: (e) => {
          ids.push(e.id);
          if (e.data.type === 'activity.appended') entries += e.data.entries.length;
          if (e.data.type === 'task.updated') updated = true;
        },
      },
    );
    await waitFor(() => started, 'the subscription to start');
    let messages = 0;
    sockets[0]!.on('message', () => (messages += 1));
    const at = new Date().toISOString();
    for (let i = 0; i < 20_000; i++)
      studio.services.store.activity.append(task.id, {
        kind: 'text',
        at,
        phase: 'implementation',
        partId: `p${i}`,
        text: `part ${i}`,
      });
    await client.tasks.update.mutate({ id: task.id, title: 'Still talking' });
    await waitFor(() => entries === 20_000 && updated, `every entry and the task update (got ${entries})`);
    expect(messages).toBeLessThan(50);
    expect(ids.map((id) => studio.services.bus.seqOf(id))).toEqual(
      ids.map((id) => studio.services.bus.seqOf(id)).sort((a, b) => a! - b!),
    );
    // The bus buffer still holds what came before the burst: a tab that was away replays instead of reloading.
    expect(studio.services.bus.since(before)).toHaveProperty('events');
    sub.unsubscribe();
    await ws.close();
  });

  it('resuming with an id from another server run yields a resync event', async () => {
    const { studio } = await startStudio();
    const { ws, trpc } = wsClient(studio.url, studio.token);
    const got: StudioEvent[] = [];
    const sub = trpc.events.onEvent.subscribe({ lastEventId: 'oldrun-5' }, { onData: (e) => got.push(e.data) });
    await waitFor(() => got.length === 1, 'resync');
    expect(got[0]).toMatchObject({ type: 'resync', reason: expect.stringMatching(/restarted/) });
    sub.unsubscribe();
    await ws.close();
  });

  it('a WebSocket without the token is refused', async () => {
    const { studio } = await startStudio();
    // tRPC's own client reports the refusal as the server's message or as the closed connection,
    // whichever it sees first; a plain WebSocket shows what the server says, every time.
    const socket = new WebSocket(`${studio.url.replace('http', 'ws')}/trpc?connectionParams=1`);
    const messages: Array<{ id?: unknown; error?: { message?: string }; result?: unknown }> = [];
    socket.on('message', (data) => messages.push(JSON.parse(String(data))));
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ method: 'connectionParams', data: { token: 'wrong-token' } }));
    socket.send(JSON.stringify({ id: 1, method: 'subscription', params: { path: 'events.onEvent', input: {} } }));
    const closed = await new Promise<number>((resolve) => socket.once('close', resolve));
    expect(messages.some((m) => /token/.test(m.error?.message ?? ''))).toBe(true);
    expect(messages.filter((m) => m.result !== undefined)).toEqual([]);
    expect(closed).toBeGreaterThan(0);
  });
});
