import { createSignal, For, onCleanup, Show } from 'solid-js';
import { guard } from '../../../shared/lifecycle.js';
import type { Task } from '../../../shared/task.js';
import { actionButtons } from '../lib/action-buttons.js';
import { currentTask } from '../state/board.js';
import { offlineReason, project } from '../state/project.js';
import { closeTask } from '../state/route.js';
import { deleteTask, perform, requestChanges } from '../state/task-actions.js';

/** The buttons that apply to the task as it is now; each one is a single server call. */
export function TaskActions(props: { task: Task }) {
  const [busy, setBusy] = createSignal(false);
  const [feedbackOpen, setFeedbackOpen] = createSignal(false);
  const [feedback, setFeedback] = createSignal('');
  const [confirmDelete, setConfirmDelete] = createSignal<'no' | 'yes' | 'force'>('no');
  let disarm: ReturnType<typeof setTimeout> | undefined;
  onCleanup(() => clearTimeout(disarm));

  const t = () => props.task;
  /** Why a button cannot be used now: the studio is unreachable, or (Start) the task waits for others. */
  const refusedWhy = (action: string) =>
    offlineReason() ?? (action === 'start' ? (guard('start', t(), (id) => currentTask(id))?.message ?? null) : null);
  const run = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await fn();
    } finally {
      setBusy(false);
    }
  };

  const onDelete = () =>
    run(async () => {
      const step = confirmDelete();
      if (step === 'no') {
        setConfirmDelete('yes');
        disarm = setTimeout(() => setConfirmDelete('no'), 4_000);
        return;
      }
      clearTimeout(disarm);
      const result = await deleteTask(t(), step === 'force');
      if (result === 'deleted') closeTask();
      else if (result === 'needs-force') setConfirmDelete('force');
      else setConfirmDelete('no');
    });

  const sendFeedback = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      if (await requestChanges(t(), feedback().trim())) {
        setFeedback('');
        setFeedbackOpen(false);
      }
    });
  };

  return (
    <div class="actions-wrap">
      <div class="actions" data-testid="task-actions">
        <For each={actionButtons(t())}>
          {(b) => (
            <button
              type="button"
              class={`button${b.primary && !refusedWhy(b.action) ? ' primary' : ''}`}
              disabled={busy() || refusedWhy(b.action) !== null}
              title={refusedWhy(b.action) ?? undefined}
              aria-describedby={refusedWhy(b.action) ? 'action-refused' : undefined}
              aria-expanded={b.action === 'requestChanges' ? feedbackOpen() : undefined}
              onClick={() => (b.action === 'requestChanges' ? setFeedbackOpen((v) => !v) : run(() => perform(b.action, t())))}
            >
              {b.action === 'updateBranch'
                ? `Update from ${project.config?.baseBranch ?? 'base'}`
                : b.action === 'merge' && project.config?.landing === 'pull-request'
                  ? t().pullRequest?.state === 'open'
                    ? 'Merge on GitHub'
                    : 'Open pull request'
                  : b.label}
            </button>
          )}
        </For>
        <span class="spacer" />
        <button
          type="button"
          class={`button ${confirmDelete() === 'no' ? 'quiet' : 'danger'}`}
          disabled={busy() || offlineReason() !== null}
          onClick={onDelete}
        >
          {confirmDelete() === 'no' ? 'Delete' : confirmDelete() === 'yes' ? 'Confirm delete' : 'Delete with its branch'}
        </button>
      </div>
      <Show when={actionButtons(t()).some((b) => refusedWhy(b.action))}>
        <p class="hint warn" id="action-refused" data-testid="action-refused">
          {actionButtons(t())
            .map((b) => refusedWhy(b.action))
            .find((why) => why)}
        </p>
      </Show>
      <Show when={confirmDelete() === 'force'}>
        <p class="hint warn">This task has a worktree or branch with the agent's work. Deleting it removes them too.</p>
      </Show>
      <Show when={feedbackOpen()}>
        <form class="feedback" onSubmit={sendFeedback}>
          <textarea
            rows={4}
            value={feedback()}
            onInput={(e) => setFeedback(e.currentTarget.value)}
            placeholder={t().status === 'plan_review' ? 'What should the plan do differently?' : 'What should the agent change?'}
            aria-label="Feedback for the agent"
          />
          <div class="form-actions">
            <button type="button" class="button" onClick={() => setFeedbackOpen(false)}>
              Cancel
            </button>
            <button type="submit" class="button primary" disabled={busy() || !feedback().trim() || offlineReason() !== null}>
              Send feedback
            </button>
          </div>
        </form>
      </Show>
    </div>
  );
}
