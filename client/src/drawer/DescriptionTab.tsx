import { createSignal, For, Show } from 'solid-js';
import type { Task } from '../../../shared/task.js';
import { LabelChip } from '../board/TaskCard.js';
import { COLUMN_TITLES } from '../lib/columns.js';
import { formatAgo, formatDuration } from '../lib/format.js';
import { parseLabels } from '../lib/labels.js';
import { updateTask } from '../state/task-actions.js';
import { Markdown } from '../ui/Markdown.js';
import { DependenciesField } from './DependenciesField.js';

export function DescriptionTab(props: { task: Task }) {
  const [editing, setEditing] = createSignal(false);
  const [title, setTitle] = createSignal('');
  const [labels, setLabels] = createSignal('');
  const [text, setText] = createSignal('');
  const [busy, setBusy] = createSignal(false);

  const edit = () => {
    setTitle(props.task.title);
    setLabels(props.task.labels.join(', '));
    setText(props.task.description);
    setEditing(true);
  };
  const save = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    const ok = await updateTask(props.task, { title: title().trim(), description: text(), labels: parseLabels(labels()) });
    setBusy(false);
    if (ok) setEditing(false);
  };

  return (
    <Show
      when={editing()}
      fallback={
        <div class="tab-body">
          <div class="tab-toolbar">
            <Show when={props.task.labels.length > 0}>
              <div class="card-labels">
                <For each={props.task.labels}>{(l) => <LabelChip label={l} />}</For>
              </div>
            </Show>
            <span class="spacer" />
            <button type="button" class="button small" onClick={edit}>
              Edit
            </button>
          </div>
          <Show when={props.task.error}>
            <div class="callout callout-error" role="alert">
              {props.task.error}
            </div>
          </Show>
          <Show when={props.task.description.trim()} fallback={<p class="muted">No description.</p>}>
            <Markdown source={props.task.description} />
          </Show>
          <DependenciesField task={props.task} />
          <dl class="facts">
            <dt>Status</dt>
            <dd>{COLUMN_TITLES[props.task.status]}</dd>
            <Show when={props.task.branch}>
              <dt>Branch</dt>
              <dd>
                <code>{props.task.branch}</code>
              </dd>
            </Show>
            <dt>Agent time</dt>
            <dd>{props.task.usage.durationMs ? formatDuration(props.task.usage.durationMs) : '—'}</dd>
            <dt>Created</dt>
            <dd title={props.task.createdAt}>{formatAgo(props.task.createdAt)}</dd>
            <dt>Updated</dt>
            <dd title={props.task.updatedAt}>{formatAgo(props.task.updatedAt)}</dd>
          </dl>
        </div>
      }
    >
      <form class="form tab-body" onSubmit={save}>
        <label class="field">
          <span>Title</span>
          <input name="title" required maxLength={500} value={title()} onInput={(e) => setTitle(e.currentTarget.value)} />
        </label>
        <label class="field">
          <span>
            Labels <small>comma separated</small>
          </span>
          <input name="labels" value={labels()} onInput={(e) => setLabels(e.currentTarget.value)} />
        </label>
        <label class="field grow">
          <span>
            Description <small>markdown</small>
          </span>
          <textarea name="description" rows={14} value={text()} onInput={(e) => setText(e.currentTarget.value)} />
        </label>
        <div class="form-actions">
          <button type="button" class="button" onClick={() => setEditing(false)}>
            Cancel
          </button>
          <button type="submit" class="button primary" disabled={busy() || !title().trim()}>
            Save
          </button>
        </div>
      </form>
    </Show>
  );
}
