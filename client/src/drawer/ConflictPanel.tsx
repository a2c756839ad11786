import { For, Show } from 'solid-js';
import type { FieldClash, Task } from '../../../shared/task.js';
import { resolveConflict } from '../state/task-actions.js';

/** How a side's value reads in the panel; a side without the field says so. */
function shown(value: unknown, has: boolean): string {
  if (!has) return '(no such field)';
  return typeof value === 'string' ? value || '(empty)' : JSON.stringify(value);
}

const SIDE_LABEL = { ours: 'Keep ours', theirs: 'Take theirs' } as const;

function SideButton(props: { task: Task; field: string; side: 'ours' | 'theirs'; clash: FieldClash }) {
  return (
    <button
      type="button"
      class="button"
      data-side={props.side}
      onClick={() => resolveConflict(props.task, { [props.field]: props.side })}
    >
      {SIDE_LABEL[props.side]}: {shown(props.clash[props.side], props.side in props.clash)}
    </button>
  );
}

/**
 * A git merge left fields that both sides changed: each shows the base and both values, with a
 * button per side. The file keeps "ours" until a side is picked.
 */
export function ConflictPanel(props: { task: Task }) {
  const fields = () => Object.entries(props.task.conflict ?? {});
  return (
    <Show when={props.task.conflict}>
      <section class="conflict-panel" data-testid="conflict-panel" aria-label="Merge conflict">
        <h3>Merge conflict</h3>
        <Show
          when={fields().length > 0}
          fallback={
            <p>
              Git left conflict markers in this task's file, but its two sides merge field by field without a clash.{' '}
              <button type="button" class="button" onClick={() => resolveConflict(props.task, {})}>
                Save the merged task
              </button>
            </p>
          }
        >
          <p>Both sides of a git merge changed these fields. Pick the value to keep; agent actions wait until you do.</p>
          <For each={fields()}>
            {([field, clash]) => (
              <div class="conflict-field" data-field={field}>
                <div class="conflict-name">{field}</div>
                <div class="conflict-base">base: {shown(clash.base, 'base' in clash)}</div>
                <div class="conflict-sides">
                  <SideButton task={props.task} field={field} side="ours" clash={clash} />
                  <SideButton task={props.task} field={field} side="theirs" clash={clash} />
                </div>
              </div>
            )}
          </For>
        </Show>
      </section>
    </Show>
  );
}
