import { createMemo, createSignal, For, Show } from 'solid-js';
import type { Task } from '../../../shared/task.js';
import { blockedText } from '../lib/blocked.js';
import { COLUMN_TITLES } from '../lib/columns.js';
import { allTasks, liveTask } from '../state/board.js';
import { updateTask } from '../state/task-actions.js';
import { Icon } from '../ui/Icon.js';

const MAX_MATCHES = 8;

/** The tasks this one waits for: pick them by searching, remove them one by one; each change saves at once. */
export function DependenciesField(props: { task: Task }) {
  const dependsOn = () => props.task.dependsOn ?? [];
  const [query, setQuery] = createSignal('');
  const [busy, setBusy] = createSignal(false);
  const save = async (patch: { dependsOn?: string[]; autoStart?: boolean }) => {
    setBusy(true);
    await updateTask(props.task, patch);
    setBusy(false);
  };
  const matches = createMemo(() => {
    const q = query().trim().toLowerCase();
    if (!q) return [];
    const taken = new Set([props.task.id, ...dependsOn()]);
    return allTasks()
      .filter((t) => !taken.has(t.id) && (t.title.toLowerCase().includes(q) || t.id.includes(q)))
      .slice(0, MAX_MATCHES);
  });
  const add = async (id: string) => {
    setQuery('');
    await save({ dependsOn: [...dependsOn(), id] });
  };

  return (
    <section class="deps" data-testid="dependencies" aria-label="Dependencies">
      <h3>Depends on</h3>
      <Show when={dependsOn().length > 0} fallback={<p class="muted">No dependencies: it can start any time.</p>}>
        <ul class="dep-list">
          <For each={dependsOn()}>
            {(id) => (
              <li class="dep" data-testid="dependency">
                <Show when={liveTask(id)} fallback={<span class="muted">{id} (deleted: no longer blocks)</span>}>
                  {(dep) => (
                    <>
                      <span class={`status-chip chip-${dep().status}`}>{COLUMN_TITLES[dep().status]}</span>
                      <span class="dep-title">{dep().title}</span>
                    </>
                  )}
                </Show>
                <button
                  type="button"
                  class="icon-button"
                  aria-label={`Remove the dependency on ${liveTask(id)?.title ?? id}`}
                  disabled={busy()}
                  onClick={() => void save({ dependsOn: dependsOn().filter((d) => d !== id) })}
                >
                  <Icon name="close" size={12} />
                </button>
              </li>
            )}
          </For>
        </ul>
      </Show>
      <Show when={blockedText(props.task)}>{(text) => <p class="hint warn">{text()}</p>}</Show>
      <div class="dep-search">
        <input
          type="search"
          placeholder="Add a dependency: search tasks…"
          aria-label="Search tasks to depend on"
          value={query()}
          onInput={(e) => setQuery(e.currentTarget.value)}
          onKeyDown={(e) => {
            const first = matches()[0];
            if (e.key === 'Enter' && first) {
              e.preventDefault();
              void add(first.id);
            }
          }}
        />
        <Show when={matches().length > 0}>
          <ul class="dep-matches" aria-label="Matching tasks">
            <For each={matches()}>
              {(t) => (
                <li>
                  <button type="button" class="dep-match" disabled={busy()} onClick={() => void add(t.id)}>
                    <span class={`status-chip chip-${t.status}`}>{COLUMN_TITLES[t.status]}</span>
                    <span class="dep-title">{t.title}</span>
                    <span class="drawer-id">{t.id}</span>
                  </button>
                </li>
              )}
            </For>
          </ul>
        </Show>
      </div>
      <label class="check">
        <input
          type="checkbox"
          checked={props.task.autoStart ?? false}
          disabled={busy()}
          onChange={(e) => void save({ autoStart: e.currentTarget.checked })}
        />
        <span>Start by itself when these are Done</span>
      </label>
    </section>
  );
}
