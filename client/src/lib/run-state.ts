import { createRoot, createSignal } from 'solid-js';
import { isActive, PHASES } from '../../../shared/lifecycle.js';
import type { AgentPhase, Task } from '../../../shared/task.js';

/** A clock for "no output for 5 min": ticks every 10 s, so the text grows while the card is shown. */
const now = createRoot(() => {
  const [time, setTime] = createSignal(Date.now());
  setInterval(() => setTime(Date.now()), 10_000);
  return time;
});

/** "no output for 40 s" / "no output for 5 min" since `since`. */
export function stalledText(since: string): string {
  const s = Math.max(0, Math.round((now() - Date.parse(since)) / 1000));
  return `no output for ${s < 60 ? `${s} s` : `${Math.floor(s / 60)} min`}`;
}

export const PHASE_DOING = (phase: AgentPhase): string => PHASES[phase].doing;

export type RunBadge = { kind: 'live' | 'waiting' | 'queued' | 'failed' | 'interrupted' | 'aborted'; text: string };

/** What a card says about the agent: working (with its current step), waiting, or stopped. */
export function runBadge(task: Task): RunBadge | null {
  const run = task.run;
  if (run?.state === 'running' && run.stalledSince) return { kind: 'waiting', text: stalledText(run.stalledSince) };
  if (run?.state === 'running') return { kind: 'live', text: run.activity ?? `${PHASE_DOING(run.phase)}…` };
  if (run?.state === 'waiting') return { kind: 'waiting', text: 'Needs you' };
  if (run?.state === 'queued') return { kind: 'queued', text: 'Queued' };
  if (run?.state === 'interrupted') return { kind: 'interrupted', text: 'Interrupted' };
  if (run?.state === 'aborted') return { kind: 'aborted', text: 'Aborted' };
  if (run?.state === 'failed' || task.error) return { kind: 'failed', text: 'Failed' };
  return null;
}

/**
 * A task a person is up for: the agent waits for an answer, a plan or a branch waits for review,
 * a run stalled (abort or retry it), or a run failed or was cut off and waits for a retry (or a fix first).
 */
export function needsYou(task: Task): boolean {
  const state = task.run?.state;
  if (state === 'waiting' || state === 'failed' || state === 'interrupted') return true;
  if (state === 'running' && task.run?.stalledSince) return true;
  // A failing check on the PR calls for a person (Fix failing checks), wherever the card is.
  if (task.pullRequest?.state === 'open' && task.pullRequest.checks.state === 'failing' && !isActive(task)) return true;
  return (task.status === 'plan_review' || task.status === 'review') && !isActive(task);
}
