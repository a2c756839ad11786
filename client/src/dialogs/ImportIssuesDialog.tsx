import { createSignal } from 'solid-js';
import { parseLabels } from '../lib/labels.js';
import { importIssues } from '../state/github.js';
import { project } from '../state/project.js';
import { Modal } from '../ui/Modal.js';

/** "Import from GitHub": issues become tasks (again: their tasks are updated, never duplicated). */
export function ImportIssuesDialog(props: { onClose(): void }) {
  const [labels, setLabels] = createSignal('');
  const [numbers, setNumbers] = createSignal('');
  const [state, setState] = createSignal<'open' | 'closed' | 'all'>('open');
  const [busy, setBusy] = createSignal(false);
  const parsedNumbers = () =>
    numbers()
      .split(/[\s,#]+/)
      .filter(Boolean)
      .map(Number)
      .filter((n) => Number.isInteger(n) && n > 0);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    const result = await importIssues({
      state: state(),
      ...(parseLabels(labels()).length ? { labels: parseLabels(labels()) } : {}),
      ...(parsedNumbers().length ? { numbers: parsedNumbers() } : {}),
    });
    setBusy(false);
    if (result) props.onClose();
  };

  return (
    <Modal title="Import from GitHub" onClose={props.onClose}>
      <form class="form" onSubmit={submit} data-testid="import-issues">
        <p class="hint">
          Issues of {project.info?.github?.repo ?? 'the repository'} become tasks in Todo; pull requests are skipped.
          {project.info?.github?.error ? ` ${project.info?.github.error}` : ''}
        </p>
        <label class="field">
          <span>Labels</span>
          <input name="labels" value={labels()} onInput={(e) => setLabels(e.currentTarget.value)} placeholder="bug, ui" />
        </label>
        <label class="field">
          <span>State</span>
          <select name="state" value={state()} onChange={(e) => setState(e.currentTarget.value as 'open' | 'closed' | 'all')}>
            <option value="open">open</option>
            <option value="closed">closed</option>
            <option value="all">all</option>
          </select>
        </label>
        <label class="field">
          <span>Only these numbers</span>
          <input name="numbers" value={numbers()} onInput={(e) => setNumbers(e.currentTarget.value)} placeholder="12, 15" />
        </label>
        <div class="form-actions">
          <button type="button" class="button" onClick={() => props.onClose()}>
            Cancel
          </button>
          <button type="submit" class="button primary" disabled={busy()}>
            Import
          </button>
        </div>
      </form>
    </Modal>
  );
}
