import { createSignal } from 'solid-js';
import { describeRequest } from '../../../shared/request-text.js';
import type { Task } from '../../../shared/task.js';
import { requests } from './requests.js';
import { openTask } from './route.js';

const KEY = 'opencode-studio:notifications';
const supported = () => typeof Notification !== 'undefined';
const [enabled, setEnabled] = createSignal(
  supported() && Notification.permission === 'granted' && localStorage.getItem(KEY) === 'on',
);

export { enabled as notificationsOn };

/** Opt in or out; the browser's permission is asked here, on a click, never on load. */
export async function toggleNotifications(): Promise<'on' | 'off' | 'denied' | 'unsupported'> {
  if (!supported()) return 'unsupported';
  if (enabled()) {
    localStorage.removeItem(KEY);
    setEnabled(false);
    return 'off';
  }
  const permission = Notification.permission === 'granted' ? 'granted' : await Notification.requestPermission();
  if (permission !== 'granted') return 'denied';
  localStorage.setItem(KEY, 'on');
  setEnabled(true);
  return 'on';
}

/** What is worth a notification in a change of a task: it starts waiting, reaches Plan review or Review, or fails. */
export function noticeOf(before: Task | undefined, after: Task): string | null {
  if (!before) return null;
  if (after.run?.state === 'waiting' && before.run?.state !== 'waiting') {
    // The server announces the request before the task starts waiting.
    const asked = requests[after.id]?.[0];
    return `needs you: ${asked ? describeRequest(asked) : 'the agent asks something'}`;
  }
  if (after.status !== before.status && (after.status === 'plan_review' || after.status === 'review'))
    return after.status === 'review' ? 'is ready for your review' : 'has a plan for you to review';
  const stopped = (t: Task) => t.run?.state === 'failed' || t.run?.state === 'interrupted';
  if (stopped(after) && !stopped(before)) return `failed: ${after.error ?? 'see its activity'}`;
  return null;
}

export function notify(before: Task | undefined, after: Task): void {
  if (!enabled() || !supported() || Notification.permission !== 'granted') return;
  const notice = noticeOf(before, after);
  if (!notice) return;
  const note = new Notification(`${after.title} ${notice}`, { tag: `${after.id}:${notice}`, body: 'OpenCode Studio' });
  note.onclick = () => {
    window.focus();
    openTask(after.id);
  };
}
