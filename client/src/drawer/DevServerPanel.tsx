import { createEffect, createSignal, on, Show } from 'solid-js';
import type { Task } from '../../../shared/task.js';
import { answerDevServer } from '../state/answers.js';
import { api } from '../state/api.js';
import { devServers } from '../state/dev-servers.js';
import { project } from '../state/project.js';
import { attempt } from '../state/toasts.js';

const STATE_TEXT = {
  stopped: 'Not running',
  starting: 'Starting…',
  listening: 'Running',
  exited: 'Exited',
} as const;

/**
 * Run the task's work for real: config devServer in the task's worktree on the task's port,
 * with its live log and a link once the port answers. Shown once the task has a worktree.
 */
export function DevServerPanel(props: { task: Task }) {
  const command = () => project.config?.devServer ?? null;
  const shown = () => command() !== null && props.task.branch !== null && props.task.status !== 'done';
  const server = () => devServers[props.task.id];
  const [busy, setBusy] = createSignal(false);
  let log: HTMLPreElement | undefined;
  createEffect(
    on([() => props.task.id, shown], async ([id, visible]) => {
      if (!visible || devServers[id]) return;
      await answerDevServer(() => attempt('Loading the dev server failed', () => api().devServer.get.query({ id })));
    }),
  );
  // Follow the log's end while it grows.
  createEffect(
    on(
      () => server()?.log,
      () => {
        if (log) log.scrollTop = log.scrollHeight;
      },
    ),
  );
  const act = async (what: 'run' | 'stop') => {
    setBusy(true);
    await answerDevServer(() =>
      attempt(what === 'run' ? 'Starting the dev server failed' : 'Stopping the dev server failed', () =>
        api().devServer[what].mutate({ id: props.task.id }),
      ),
    );
    setBusy(false);
  };
  const running = () => server()?.state === 'starting' || server()?.state === 'listening';
  return (
    <Show when={shown()}>
      <section class="dev-server" data-testid="dev-server" aria-label="Dev server">
        <div class="dev-server-head">
          <h3>Dev server</h3>
          <span class="dev-server-state" data-testid="dev-server-state" data-state={server()?.state ?? 'stopped'}>
            {STATE_TEXT[server()?.state ?? 'stopped']}
            <Show when={server()?.port}>{(port) => ` · port ${port()}`}</Show>
          </span>
          <Show when={server()?.url}>
            {(url) => (
              <a class="dev-server-link" data-testid="dev-server-link" href={url()} target="_blank" rel="noopener noreferrer">
                {url()}
              </a>
            )}
          </Show>
          <span class="dev-server-actions">
            <Show
              when={running()}
              fallback={
                <button type="button" class="button" disabled={busy()} onClick={() => act('run')} title={command() ?? ''}>
                  Run
                </button>
              }
            >
              <button type="button" class="button" disabled={busy()} onClick={() => act('stop')}>
                Stop
              </button>
            </Show>
          </span>
        </div>
        <Show when={server()?.log}>
          <pre class="dev-server-log" data-testid="dev-server-log" ref={log} tabindex="0" role="log" aria-label="Dev server log">
            {server()!.log}
          </pre>
        </Show>
      </section>
    </Show>
  );
}
