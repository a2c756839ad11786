import { createSignal, Show } from 'solid-js';
import type { Task } from '../../../shared/task.js';
import { api } from '../state/api.js';
import { details, setDetail } from '../state/details.js';
import { attempt, toast } from '../state/toasts.js';
import { Markdown } from '../ui/Markdown.js';

export function PlanTab(props: { task: Task }) {
  const plan = () => details[props.task.id]?.plan;
  const [draft, setDraft] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);

  const save = async (e: Event) => {
    e.preventDefault();
    const markdown = draft() ?? '';
    setBusy(true);
    const ok = await attempt('Saving the plan failed', () => api().plans.update.mutate({ id: props.task.id, markdown }));
    setBusy(false);
    if (!ok) return;
    setDetail(props.task.id, { plan: markdown });
    setDraft(null);
    toast(`Saved plans/${props.task.id}.md`);
  };

  return (
    <Show
      when={draft() === null}
      fallback={
        <form class="form tab-body" onSubmit={save}>
          <label class="field grow">
            <span>
              <code>.opencode-studio/plans/{props.task.id}.md</code>
            </span>
            <textarea
              name="plan"
              class="mono"
              rows={20}
              value={draft() ?? ''}
              onInput={(e) => setDraft(e.currentTarget.value)}
              spellcheck={false}
            />
          </label>
          <div class="form-actions">
            <button type="button" class="button" onClick={() => setDraft(null)}>
              Cancel
            </button>
            <button type="submit" class="button primary" disabled={busy()}>
              Save plan
            </button>
          </div>
        </form>
      }
    >
      <div class="tab-body">
        <div class="tab-toolbar">
          <Show when={props.task.status === 'plan_review'}>
            <span class="hint">The agent waits for this plan to be approved. Edit it first if it needs to change.</span>
          </Show>
          <span class="spacer" />
          <button type="button" class="button small" disabled={plan() === undefined} onClick={() => setDraft(plan() ?? '')}>
            {plan() ? 'Edit plan' : 'Write a plan'}
          </button>
        </div>
        <Show when={plan() !== undefined} fallback={<p class="muted">Loading…</p>}>
          <Show
            when={plan()}
            fallback={<p class="muted">No plan yet. The agent writes one when the task starts, or write your own.</p>}
          >
            {(text) => <Markdown source={text()} />}
          </Show>
        </Show>
      </div>
    </Show>
  );
}
