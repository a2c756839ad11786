import { afterEach, describe, expect, it } from 'vitest';
import type { Api } from '../../client/src/lib/trpc.js';
import type { ProjectInfo } from '../../shared/api.js';
import type { StudioEvent } from '../../shared/events.js';

// The board's sync loop with a hand-made API, so the order in which answers arrive can be chosen.
// The client's modules read `window` when they load: a minimal one is set up before importing them.
async function loadClient() {
  const g = globalThis as Record<string, unknown>;
  g.window ??= { location: { pathname: '/' }, addEventListener() {} };
  g.requestAnimationFrame ??= (cb: () => void) => setTimeout(cb, 0);
  const { project } = await import('../../client/src/state/project.js');
  const { startSync } = await import('../../client/src/state/sync.js');
  return { project, startSync };
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('startSync', () => {
  let stop: (() => void) | undefined;
  afterEach(() => stop?.());

  it('keeps a problem whose event arrived before an older project info answer', async () => {
    const { project, startSync } = await loadClient();
    const info = deferred<ProjectInfo>();
    const calls: string[] = [];
    let push: ((event: { id: string; data: StudioEvent }) => void) | undefined;
    const api = {
      project: {
        info: {
          query: () => {
            calls.push('info');
            return info.promise;
          },
        },
      },
      tasks: {
        snapshot: {
          query: async () => {
            calls.push('snapshot');
            return { lastEventId: 'e-0', tasks: [] };
          },
        },
      },
      requests: { list: { query: async () => [] } },
      events: {
        onEvent: {
          subscribe: (_input: unknown, handlers: { onData: typeof push }) => {
            push = handlers.onData;
            return { unsubscribe() {} };
          },
        },
      },
    } as unknown as Api;
    stop = startSync(api, () => {}, null);
    // A resync load asks for the snapshot before the info, so the replay from its id covers the info.
    expect(calls).toEqual(['snapshot', 'info']);
    for (let i = 0; i < 5 && !push; i++) await tick();
    if (!push) throw new Error('startSync did not subscribe');
    const problem = { path: '.opencode-studio/tasks/a.json', reason: 'a cycle', kind: 'dependency-cycle' } as const;
    push({ id: 'e-1', data: { type: 'file.invalid', ...problem, id: 'e-1', at: new Date().toISOString() } as StudioEvent });
    await tick();
    // The info was computed before the event: its list is empty.
    info.resolve({ problems: [], config: {}, opencode: {} } as unknown as ProjectInfo);
    for (let i = 0; i < 5; i++) await tick();
    expect(project.problems).toEqual([problem]);
  });
});
