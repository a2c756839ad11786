import { For } from 'solid-js';
import { Modal } from '../ui/Modal.js';

/** Every key the board answers to; letters never fire while a text field has focus. */
export const SHORTCUTS: ReadonlyArray<{ keys: string[]; what: string }> = [
  { keys: ['n'], what: 'New task' },
  { keys: ['/'], what: 'Search tasks' },
  { keys: ['?'], what: 'This list of shortcuts' },
  { keys: ['Esc'], what: 'Close the dialog or the task; in the search, clear it' },
  { keys: ['↑', '↓', '←', '→'], what: 'Move between cards' },
  { keys: ['Enter'], what: 'Open the focused card (Esc brings you back to it)' },
  { keys: ['Alt', '↑ ↓'], what: 'Move the card within its column' },
  { keys: ['Alt', '← →'], what: 'Move the card to the next column (asks first when that starts the agent or merges)' },
  { keys: ['← →'], what: 'In the task drawer’s tab list: the previous or next tab' },
  { keys: ['Tab'], what: 'In the diff: reach a line’s +, then Enter to comment under it' },
];

export function ShortcutsDialog(props: { onClose(): void }) {
  return (
    <Modal title="Keyboard shortcuts" onClose={props.onClose}>
      <dl class="shortcuts" data-testid="shortcuts">
        <For each={SHORTCUTS}>
          {(s) => (
            <div class="shortcut">
              <dt>
                <For each={s.keys}>{(k) => <kbd>{k}</kbd>}</For>
              </dt>
              <dd>{s.what}</dd>
            </div>
          )}
        </For>
      </dl>
      <div class="form-actions">
        <button type="button" class="button primary" onClick={props.onClose}>
          Close
        </button>
      </div>
    </Modal>
  );
}
