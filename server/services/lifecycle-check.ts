import { type BoardLookup, type LifecycleAction, refusal } from '../../shared/lifecycle.js';
import type { AgentPhase, TaskRun } from '../../shared/task.js';
import { PreconditionError } from '../errors.js';

/** The lifecycle's refusal of `action` on `task` (with its guards, given the board), as a PreconditionError with its reason. */
export function assertAllowed(action: LifecycleAction, task: Parameters<typeof refusal>[1], board?: BoardLookup): void {
  const refused = refusal(action, task, board);
  if (refused) throw new PreconditionError(refused.message, refused.reason);
}

/** A phase waiting for an agent slot. */
export function queuedRun(phase: AgentPhase, feedback: string | null = null): TaskRun {
  return { phase, state: 'queued', sessionId: null, startedAt: null, activity: 'waiting for a free agent slot', feedback };
}

/** Wait for `work`, but no longer than `ms`; the timer never holds the process open. */
export async function within(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
