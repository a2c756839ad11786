import { createMemo, createRoot, Show } from 'solid-js';
import { needsYou } from '../lib/run-state.js';
import { allTasks } from '../state/board.js';
import { needsYouOnly, setNeedsYouOnly } from '../state/filter.js';
import { notificationsOn, toggleNotifications } from '../state/notify.js';
import { toast } from '../state/toasts.js';
import { Icon } from '../ui/Icon.js';

/** How many tasks wait for a person: pending agent requests, Plan review, Review, and failed runs. */
export const needsYouCount = createRoot(() => createMemo(() => allTasks().filter(needsYou).length));

const NOTIFY_RESULT = {
  on: 'Notifications on: you hear when a task needs you, is ready for review, or fails',
  off: 'Notifications off',
  denied: 'The browser refused notifications; allow them in its site settings',
  unsupported: 'This browser cannot show notifications',
} as const;

/** The header's counter (a click filters the board to those tasks) and the opt-in for browser notifications. */
export function NeedsYou() {
  const count = needsYouCount;
  return (
    <div class="needs-you">
      <button
        type="button"
        class="needs-you-count"
        classList={{ active: needsYouOnly(), waiting: count() > 0 }}
        aria-pressed={needsYouOnly()}
        data-testid="needs-you"
        title={
          needsYouOnly()
            ? 'Show every task'
            : 'Show only the tasks that need you: a question from the agent, a plan or a branch to review, a failed run'
        }
        onClick={() => setNeedsYouOnly((on) => !on)}
      >
        <strong>{count()}</strong> need{count() === 1 ? 's' : ''} you
      </button>
      <button
        type="button"
        class="icon-button notify-toggle"
        aria-pressed={notificationsOn()}
        aria-label="Browser notifications"
        data-testid="notifications"
        title={notificationsOn() ? 'Browser notifications are on (click to turn off)' : 'Notify me in the browser'}
        onClick={async () => toast(NOTIFY_RESULT[await toggleNotifications()])}
      >
        <Show when={notificationsOn()} fallback={<Icon name="bell-off" />}>
          <Icon name="bell" />
        </Show>
      </button>
    </div>
  );
}
