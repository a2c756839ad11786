import { createSignal, For, Show } from 'solid-js';
import { isActive } from '../../../shared/lifecycle.js';
import type { Task } from '../../../shared/task.js';
import { fixChecks, fixPullRequestComments, openPullRequest, syncPullRequest } from '../state/github.js';
import { project } from '../state/project.js';

const STATE_TEXT = { pending: 'pending', passing: 'passing', failing: 'failing', none: 'no checks' } as const;

/** The task's pull request on GitHub: open it from Review, then its state, checks and the fixes they call for. */
export function PullRequestPanel(props: { task: Task }) {
  const [busy, setBusy] = createSignal(false);
  const [draft, setDraft] = createSignal(false);
  const t = () => props.task;
  const pr = () => t().pullRequest;
  const run = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await fn();
    } finally {
      setBusy(false);
    }
  };
  const linked = () => project.info?.github?.repo ?? null;
  return (
    <Show when={pr() || (t().status === 'review' && linked())}>
      <section class="pr-panel" data-testid="pr-panel" aria-label="Pull request">
        <Show
          when={pr()}
          fallback={
            <div class="pr-open">
              <button
                type="button"
                class="button"
                data-testid="open-pr"
                disabled={busy() || isActive(t())}
                onClick={() => run(() => openPullRequest(t(), draft()))}
              >
                Open pull request
              </button>
              <label class="inline-check">
                <input type="checkbox" checked={draft()} onChange={(e) => setDraft(e.currentTarget.checked)} /> draft
              </label>
              <span class="hint">
                pushes {t().branch} to GitHub ({linked()})
              </span>
            </div>
          }
        >
          {(p) => (
            <>
              <div class="pr-head">
                <a href={p().url} target="_blank" rel="noreferrer" data-testid="pr-link">
                  Pull request #{p().number}
                </a>
                <span class={`meta-chip pr-state-${p().state}`} data-testid="pr-state">
                  {p().draft && p().state === 'open' ? 'draft' : p().state}
                </span>
                <span class={`meta-chip checks-${p().checks.state}`} data-testid="pr-checks-state">
                  checks {STATE_TEXT[p().checks.state]}
                </span>
                <span class="spacer" />
                <button
                  type="button"
                  class="button small quiet"
                  disabled={busy()}
                  onClick={() => run(() => syncPullRequest(t()))}
                >
                  Refresh
                </button>
              </div>
              <Show when={p().checks.items.length > 0}>
                <ul class="pr-checks" data-testid="pr-checks">
                  <For each={p().checks.items}>
                    {(c) => (
                      <li class={`check check-${c.state}`} data-state={c.state} title={c.summary ?? ''}>
                        <span class="check-dot" aria-hidden="true" />
                        <Show when={c.url} fallback={<span>{c.name}</span>}>
                          {(url) => (
                            <a href={url()} target="_blank" rel="noreferrer">
                              {c.name}
                            </a>
                          )}
                        </Show>
                        <span class="check-state">{c.state}</span>
                      </li>
                    )}
                  </For>
                </ul>
              </Show>
              <Show when={p().state === 'open' && t().status === 'review'}>
                <div class="form-actions">
                  <Show when={p().checks.state === 'failing'}>
                    <button type="button" class="button primary" disabled={busy()} onClick={() => run(() => fixChecks(t()))}>
                      Fix failing checks
                    </button>
                  </Show>
                  <button type="button" class="button" disabled={busy()} onClick={() => run(() => fixPullRequestComments(t()))}>
                    Fix PR comments
                  </button>
                </div>
              </Show>
            </>
          )}
        </Show>
      </section>
    </Show>
  );
}
