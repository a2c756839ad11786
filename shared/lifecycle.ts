import { blockersOf, cycleThrough, nameTasks } from './dependencies.js';
import type { ErrorReason } from './errors.js';
import { STATUS_TITLES } from './statuses.js';
import type { AgentPhase, Task, TaskStatus } from './task.js';

/**
 * The lifecycle, in one place. The orchestrator, the task service (drags), the board's buttons
 * and its drop targets all read these tables: a row added here is a new action everywhere.
 * No zod here: the board imports this file.
 */

/** What a person (or a script) can ask of a task. */
export type LifecycleAction =
  | 'start'
  | 'approvePlan'
  | 'requestChanges'
  | 'merge'
  | 'backToTodo'
  | 'updateBranch'
  | 'abort'
  | 'retry';

/** One allowed step: `action` on a task in `from` leads to `to`, running `phase` (null: no agent). */
export interface Transition {
  action: LifecycleAction;
  from: TaskStatus;
  to: TaskStatus;
  phase: AgentPhase | null;
  /** Dragging a card from `from` to `to` performs this action. */
  drag: boolean;
  /** When the action's git step conflicts, this phase resolves it (the task moves to that phase's column). */
  onConflict?: AgentPhase;
}

export const TRANSITIONS: readonly Transition[] = [
  { action: 'start', from: 'todo', to: 'planning', phase: 'planning', drag: true },
  { action: 'approvePlan', from: 'plan_review', to: 'in_progress', phase: 'implementation', drag: true },
  { action: 'requestChanges', from: 'plan_review', to: 'planning', phase: 'planning', drag: false },
  { action: 'requestChanges', from: 'review', to: 'in_progress', phase: 'fix', drag: false },
  { action: 'merge', from: 'review', to: 'done', phase: null, drag: true },
  { action: 'backToTodo', from: 'plan_review', to: 'todo', phase: null, drag: true },
  // Merge the base branch into the task branch; a conflict goes to the agent, then to AI review again.
  { action: 'updateBranch', from: 'review', to: 'review', phase: null, drag: false, onConflict: 'conflicts' },
];

/** What finishing a phase can mean; the phase runner picks the outcome, this table the next step. */
export type PhaseOutcome = 'done' | 'skip-approval' | 'changes-requested';

/** A phase finished: the next phase to run, or the status where a person takes over. */
export type NextStep = { phase: AgentPhase } | { rest: TaskStatus };

export interface PhaseRule {
  /** The column a task is in while this phase runs (or waits to run). */
  status: TaskStatus;
  /** OpenCode's agent that runs it: `plan` reads only, `build` edits. */
  agent: 'plan' | 'build';
  /** For the card: "planning…", "implementing…". */
  doing: string;
  after: Partial<Record<PhaseOutcome, NextStep>> & { done: NextStep };
}

export const PHASES: Record<AgentPhase, PhaseRule> = {
  planning: {
    status: 'planning',
    agent: 'plan',
    doing: 'planning',
    after: { done: { rest: 'plan_review' }, 'skip-approval': { phase: 'implementation' } },
  },
  implementation: { status: 'in_progress', agent: 'build', doing: 'implementing', after: { done: { phase: 'review' } } },
  fix: { status: 'in_progress', agent: 'build', doing: 'fixing review comments', after: { done: { phase: 'review' } } },
  conflicts: {
    status: 'in_progress',
    agent: 'build',
    doing: 'resolving merge conflicts',
    after: { done: { phase: 'review' } },
  },
  review: {
    status: 'ai_review',
    agent: 'plan',
    doing: 'reviewing',
    after: { done: { rest: 'review' }, 'changes-requested': { phase: 'fix' } },
  },
};

/** The status and the next phase (null: a person is up) after `phase` ends with `outcome`. */
export function afterPhase(phase: AgentPhase, outcome: PhaseOutcome): { status: TaskStatus; next: AgentPhase | null } {
  const step = PHASES[phase].after[outcome] ?? PHASES[phase].after.done;
  return 'phase' in step ? { status: PHASES[step.phase].status, next: step.phase } : { status: step.rest, next: null };
}

/** The agent is working on the task, waits for a slot, or waits for a person's answer (abort still works). */
export function isActive(task: Pick<Task, 'run'>): boolean {
  return task.run?.state === 'running' || task.run?.state === 'queued' || task.run?.state === 'waiting';
}

/** A failed, aborted or interrupted phase that `retry` runs again, or a stalled one that it stops and runs again. */
export function canRetry(task: Pick<Task, 'run'>): boolean {
  const state = task.run?.state;
  if (state === 'running' && task.run?.stalledSince) return true;
  return state === 'failed' || state === 'aborted' || state === 'interrupted';
}

export function transitionFor(action: LifecycleAction, from: TaskStatus): Transition | undefined {
  return TRANSITIONS.find((t) => t.action === action && t.from === from);
}

/** The statuses an action starts from, for its refusal. */
export function statusesFor(action: LifecycleAction): TaskStatus[] {
  return TRANSITIONS.filter((t) => t.action === action).map((t) => t.from);
}

/** What the lifecycle looks at: a task's status, its run, and whether a git merge left it conflicted. */
type LifecycleView = Pick<Task, 'status' | 'run'> & { conflict?: unknown };

/** A git merge left fields clashing (or conflict markers): only stopping a run is open until a person resolves it. */
function conflicted(task: LifecycleView): boolean {
  return task.conflict !== undefined && task.conflict !== null;
}

/** Whether `action` is open to the task as it is now (the board shows a button for each). */
export function allows(action: LifecycleAction, task: LifecycleView): boolean {
  if (action === 'abort') return isActive(task);
  if (conflicted(task)) return false;
  if (action === 'retry') return canRetry(task);
  return !isActive(task) && transitionFor(action, task.status) !== undefined;
}

export type Refusal = { reason: ErrorReason; message: string };

/** The other tasks on the board, for the rules that look past the task itself (its dependencies). */
export type BoardLookup = (id: string) => Pick<Task, 'id' | 'title' | 'status' | 'dependsOn'> | undefined;

/** A task as the refusals read it; `id` and `dependsOn` matter only with a board to look them up in. */
type Checked = LifecycleView & Pick<Task, 'title'> & Partial<Pick<Task, 'id' | 'dependsOn'>>;

/**
 * Why `action` is not open to the task now, with its reason code and words for a person; null when it is.
 * With `board`, the guards below apply too.
 */
export function refusal(action: LifecycleAction, task: Checked, board?: BoardLookup): Refusal | null {
  if (allows(action, task)) return board ? guard(action, task, board) : null;
  if (action !== 'abort' && conflicted(task))
    return {
      reason: 'merge-conflict-in-task',
      message: `"${task.title}" has a merge conflict from git; resolve it on the board (or tasks.resolveConflict) first`,
    };
  if (action === 'abort') return { reason: 'not-running', message: `nothing is running for "${task.title}"` };
  if (action === 'retry')
    return {
      reason: 'nothing-to-retry',
      message: `"${task.title}" has no failed, aborted or interrupted phase to retry`,
    };
  if (isActive(task)) return busy(task);
  const from = statusesFor(action).map(title);
  return {
    reason: 'not-allowed-now',
    message: `cannot ${VERB[action]} "${task.title}": it is in ${title(task.status)}, not ${from.join(' or ')}`,
  };
}

/**
 * Rules on top of the table that depend on other tasks. `start` (by the action, a drag to
 * Planning, or autoStart) waits until every dependency is Done, and never runs inside a cycle.
 */
export function guard(action: LifecycleAction, task: Checked, board: BoardLookup): Refusal | null {
  if (action !== 'start' || !task.dependsOn?.length || !task.id) return null;
  const id = task.id;
  // A cycle first: waiting for its other tasks would wait forever.
  const cycle = cycleThrough(id, (t) => (t === id ? task.dependsOn : board(t)?.dependsOn));
  if (cycle) {
    const names = cycle.map((t) => `"${t === id ? task.title : (board(t)?.title ?? t)}" (${t})`).join(' → ');
    return { reason: 'blocked', message: `"${task.title}" is blocked: it is in a dependency cycle: ${names}` };
  }
  const blockers = blockersOf({ id, title: task.title, status: task.status, dependsOn: task.dependsOn }, board);
  if (blockers.length === 0) return null;
  return {
    reason: 'blocked',
    message: `"${task.title}" is blocked: it waits for ${nameTasks(blockers)} to be Done (merged) first`,
  };
}

/** An agent already works on the task (the server knows it even before the file says so). */
export function busy(task: Pick<Task, 'title'>): Refusal {
  return { reason: 'already-running', message: `an agent is already working on "${task.title}"; wait or abort it first` };
}

const VERB: Record<LifecycleAction, string> = {
  start: 'start',
  approvePlan: 'approve the plan of',
  requestChanges: 'request changes on',
  merge: 'merge',
  backToTodo: 'move back to Todo',
  updateBranch: 'update the branch of',
  abort: 'abort',
  retry: 'retry',
};

function title(status: TaskStatus): string {
  return STATUS_TITLES[status].toLowerCase();
}

/** What dropping a card from one column on another does. */
export type MoveRule = { action: 'reorder' } | { action: LifecycleAction; transition: Transition };

export function moveRule(from: TaskStatus, to: TaskStatus): MoveRule | { refused: string } {
  if (from === to) return { action: 'reorder' };
  const transition = TRANSITIONS.find((t) => t.drag && t.from === from && t.to === to);
  if (transition) return { action: transition.action, transition };
  return { refused: dragRefusal(from, to) };
}

/** Why a drop is refused: names the column a card must come from to land on `to`. */
function dragRefusal(from: TaskStatus, to: TaskStatus): string {
  if (from === 'done') return 'a done task is merged and cannot move; create a new task instead';
  const into = TRANSITIONS.filter((t) => t.drag && t.to === to);
  if (into.length === 0) return `the agent moves tasks into ${title(to)} when it finishes a phase; it cannot be set by hand`;
  const sources = into.map((t) => STATUS_TITLES[t.from]).join(' or ');
  return `only a task in ${sources} can ${into.map((t) => DRAG_VERB[t.action]).join(' or ')}`;
}

const DRAG_VERB: Record<LifecycleAction, string> = {
  start: 'be started (drag it to Planning)',
  approvePlan: 'be approved into In progress',
  requestChanges: 'be sent back with feedback',
  merge: 'be merged to Done',
  backToTodo: 'go back to Todo (it is not yet implemented)',
  updateBranch: 'be updated from its base',
  abort: 'be aborted',
  retry: 'be retried',
};
