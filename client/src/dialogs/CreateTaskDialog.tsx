import { createSignal } from 'solid-js';
import { parseLabels } from '../lib/labels.js';
import { answerTask } from '../state/answers.js';
import { api } from '../state/api.js';
import { attempt, toast } from '../state/toasts.js';
import { Modal } from '../ui/Modal.js';

export function CreateTaskDialog(props: { onClose(): void }) {
  const [title, setTitle] = createSignal('');
  const [description, setDescription] = createSignal('');
  const [labels, setLabels] = createSignal('');
  const [busy, setBusy] = createSignal(false);

  const submit = async (e?: Event) => {
    e?.preventDefault();
    if (!title().trim() || busy()) return;
    setBusy(true);
    const task = await answerTask(() =>
      attempt('Creating the task failed', () =>
        api().tasks.create.mutate({
          title: title().trim(),
          description: description(),
          ...(parseLabels(labels()).length ? { labels: parseLabels(labels()) } : {}),
        }),
      ),
    );
    setBusy(false);
    if (!task) return;
    toast(`Created "${task.title}"`);
    props.onClose();
  };

  return (
    <Modal title="New task" onClose={props.onClose}>
      <form class="form" onSubmit={submit}>
        <label class="field">
          <span>Title</span>
          <input
            name="title"
            required
            maxLength={500}
            value={title()}
            onInput={(e) => setTitle(e.currentTarget.value)}
            placeholder="What should the agent do?"
            autocomplete="off"
          />
        </label>
        <label class="field">
          <span>
            Description <small>markdown</small>
          </span>
          <textarea
            name="description"
            rows={8}
            value={description()}
            onInput={(e) => setDescription(e.currentTarget.value)}
            onKeyDown={(e) => (e.ctrlKey || e.metaKey) && e.key === 'Enter' && void submit()}
            placeholder="Context, constraints, what done looks like…"
          />
        </label>
        <label class="field">
          <span>
            Labels <small>comma separated</small>
          </span>
          <input name="labels" value={labels()} onInput={(e) => setLabels(e.currentTarget.value)} autocomplete="off" />
        </label>
        <div class="form-actions">
          <button type="button" class="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" class="button primary" disabled={busy() || !title().trim()}>
            Create task
          </button>
        </div>
      </form>
    </Modal>
  );
}
