import { Show } from 'solid-js';
import type { Task } from '../../../shared/task.js';
import { details } from '../state/details.js';
import { Markdown } from '../ui/Markdown.js';

const VERDICTS = {
  approved: 'Approved',
  changes_requested: 'Changes requested',
  unclear: 'No clear verdict',
} as const;

export function ReviewTab(props: { task: Task }) {
  const review = () => details[props.task.id]?.review;
  return (
    <div class="tab-body">
      <div class="tab-toolbar">
        <Show when={props.task.verdict}>
          {(v) => (
            <span class={`verdict verdict-${v()}`} data-testid="verdict">
              {VERDICTS[v()]}
            </span>
          )}
        </Show>
        <Show when={props.task.iteration > 0}>
          <span class="hint">Review iteration {props.task.iteration}</span>
        </Show>
      </div>
      <Show when={review() !== undefined} fallback={<p class="muted">Loading…</p>}>
        <Show when={review()} fallback={<p class="muted">No AI review yet. It runs after the agent implements the plan.</p>}>
          {(text) => <Markdown source={text()} />}
        </Show>
      </Show>
    </div>
  );
}
