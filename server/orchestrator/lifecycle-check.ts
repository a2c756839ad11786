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
