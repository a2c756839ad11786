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
  const { startSync, refreshProjectInfo } = await import('../../client/src/state/sync.js');
  return { project, startSync, refreshProjectInfo };
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

type Push = (event: { id: string; data: StudioEvent }) => void;

/**
 * An API whose project info and snapshot answer as given, with no pending requests; `push()` is
 * the event subscription's data handler once startSync has subscribed.
 */
function fakeApi(answers: { info: () => Promise<ProjectInfo>; snapshot: () => Promise<unknown> }) {
  let push: Push | undefined;
  const api = {
    project: { info: { query: answers.info } },
    tasks: { snapshot: { query: answers.snapshot } },
    requests: { list: { query: async () => [] } },
    events: {
      onEvent: {
        subscribe: (_input: unknown, handlers: { onData: Push }) => {
          push = handlers.onData;
          return { unsubscribe() {} };
        },
      },
    },
  } as unknown as Api;
  return { api, push: () => push };
}

describe('startSync', () => {
  let stop: (() => void) | undefined;
  afterEach(() => stop?.());

  it('keeps a problem whose event arrived before an older project info answer', async () => {
    const { project, startSync } = await loadClient();
    const info = deferred<ProjectInfo>();
    const calls: string[] = [];
    const { api, push: subscribed } = fakeApi({
      info: () => {
        calls.push('info');
        return info.promise;
      },
      snapshot: async () => {
        calls.push('snapshot');
        return { lastEventId: 'e-0', tasks: [] };
      },
    });
    stop = startSync(api, () => {}, null);
    for (let i = 0; i < 5 && !subscribed(); i++) await tick();
    const push = subscribed();
    // The info is asked once the snapshot is in, so the replay from its id covers the info.
    expect(calls).toEqual(['snapshot', 'info']);
    if (!push) throw new Error('startSync did not subscribe');
    const problem = { path: '.opencode-studio/tasks/a.json', reason: 'a cycle', kind: 'dependency-cycle' } as const;
    push({ id: 'e-1', data: { type: 'file.invalid', ...problem, id: 'e-1', at: new Date().toISOString() } as StudioEvent });
    await tick();
    // The info was computed before the event: its list is empty.
    info.resolve({ problems: [], config: {}, opencode: {} } as unknown as ProjectInfo);
    for (let i = 0; i < 5; i++) await tick();
    expect(project.problems).toEqual([problem]);
  });

  it('clears a problem fixed after the info was asked but before the snapshot answered', async () => {
    const { project, startSync } = await loadClient();
    // A server in miniature: its answers are computed when they are given, and the event
    // subscription replays what happened after the id it is given.
    const problem = { path: '.opencode-studio/tasks/b.json', reason: 'Unexpected end of JSON input', kind: 'invalid' } as const;
    let problems: (typeof problem)[] = [problem];
    const log: { id: string; data: StudioEvent }[] = [];
    const snapshotGate = deferred<void>();
    const api = {
      project: { info: { query: async () => ({ problems: [...problems], config: {}, opencode: {} }) as unknown as ProjectInfo } },
      tasks: {
        snapshot: {
          query: async () => {
            await snapshotGate.promise;
            return { lastEventId: log.at(-1)?.id ?? null, tasks: [] };
          },
        },
      },
      requests: { list: { query: async () => [] } },
      events: {
        onEvent: {
          subscribe: (
            input: { lastEventId: string | null },
            handlers: { onData: (e: { id: string; data: StudioEvent }) => void },
          ) => {
            const from = log.findIndex((e) => e.id === input.lastEventId) + 1;
            for (const event of log.slice(from)) handlers.onData(event);
            return { unsubscribe() {} };
          },
        },
      },
    } as unknown as Api;
    stop = startSync(api, () => {}, null);
    for (let i = 0; i < 5; i++) await tick();
    // The file is fixed while the snapshot is still on its way.
    problems = [];
    log.push({
      id: 'e-1',
      data: { type: 'file.recovered', path: problem.path, id: 'e-1', at: new Date().toISOString() } as StudioEvent,
    });
    snapshotGate.resolve();
    for (let i = 0; i < 10; i++) await tick();
    expect(project.problems).toEqual([]);
  });

  it('keeps a problem reported while a later project info refresh was out', async () => {
    // The header asks for the info again when the config first arrives (and on focus): its
    // answer, computed before a file broke, used to wipe the banner the file's event had raised.
    const { project, startSync, refreshProjectInfo } = await loadClient();
    const answers = [deferred<ProjectInfo>(), deferred<ProjectInfo>()];
    let asked = 0;
    const { api, push: subscribed } = fakeApi({
      info: () => (answers[asked++] ?? deferred<ProjectInfo>()).promise,
      snapshot: async () => ({ lastEventId: 'e-0', tasks: [] }),
    });
    const none = { problems: [], config: {}, opencode: {} } as unknown as ProjectInfo;
    stop = startSync(api, () => {}, null);
    for (let i = 0; i < 5 && !subscribed(); i++) await tick();
    answers[0]?.resolve(none);
    for (let i = 0; i < 5; i++) await tick();
    const push = subscribed();
    if (!push) throw new Error('startSync did not subscribe');

    const refreshed = refreshProjectInfo(api);
    const problem = { path: '.opencode-studio/tasks/c.json', reason: 'Unexpected end of JSON input', kind: 'invalid' } as const;
    push({ id: 'e-1', data: { type: 'file.invalid', ...problem, id: 'e-1', at: new Date().toISOString() } as StudioEvent });
    expect(project.problems).toEqual([problem]);
    // The refresh was computed before the file broke.
    answers[1]?.resolve(none);
    await refreshed;
    expect(project.problems).toEqual([problem]);
  });
});
