import { For, Show } from 'solid-js';
import { confirmPending } from '../state/confirm.js';
import { Modal } from '../ui/Modal.js';

/** The one confirmation dialog: a step that starts the agent or lands work asks first. */
export function ConfirmDialog() {
  return (
    <Show when={confirmPending()}>
      {(p) => (
        <Modal title={p().title} onClose={() => p().answer(false)}>
          <p class="confirm-body">{p().body}</p>
          <Show when={p().items?.length}>
            <ul class="confirm-items" data-testid="confirm-items">
              <For each={p().items}>{(item) => <li>{item}</li>}</For>
            </ul>
          </Show>
          <div class="form-actions">
            <button type="button" class="button" onClick={() => p().answer(false)}>
              Cancel
            </button>
            <button
              type="button"
              class={`button ${p().danger ? 'danger' : 'primary'}`}
              data-testid="confirm"
              onClick={() => p().answer(true)}
            >
              {p().confirm}
            </button>
          </div>
        </Modal>
      )}
    </Show>
  );
}
