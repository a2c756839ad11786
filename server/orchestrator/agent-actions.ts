import type { ActivityEntry } from '../../shared/activity.js';
import type { TaskDiff } from '../../shared/api.js';
import type { OpencodeState } from '../../shared/events.js';
import type { Task } from '../../shared/task.js';
import type { DevServerState, SlotState } from '../../shared/task-env.js';
import type { ActivityRowsRead } from '../store/activity-log.js';
import type { RequestBook } from './requests.js';

/** A task's dev server and the warm slots: present when the studio drives an agent. */
export interface TaskEnvActions {
  devServers: {
    state(taskId: string): Promise<DevServerState>;
    run(taskId: string): Promise<DevServerState>;
    stop(taskId: string): Promise<DevServerState>;
  };
  /** `pump`: look again now (after the settings were trusted). */
  slots: { list(): SlotState[]; pump(): void };
}

/** What the orchestrator offers the task service and the routers. */
export interface AgentActions {
  start(id: string): Promise<Task>;
  approvePlan(id: string): Promise<Task>;
  requestChanges(id: string, feedback: string): Promise<Task>;
  merge(id: string): Promise<Task>;
  /** Merge the base branch into the task branch; conflicts go to the agent (the `conflicts` phase). */
  updateBranch(id: string): Promise<Task>;
  abort(id: string): Promise<Task>;
  retry(id: string): Promise<Task>;
  diff(id: string): Promise<TaskDiff>;
  activity(id: string): Promise<ActivityEntry[]>;
  /** The rows the Activity tab shows: one per tool call, with its latest state (read only), and the event cursor they are current with. */
  activityRows(id: string): Promise<ActivityRowsRead>;
  /** Stop whatever runs for the task and remove its worktree and branch (before a forced delete). */
  discard(id: string): Promise<void>;
  /** Whether the task has a worktree or branch that a delete would remove. */
  hasWork(id: string): Promise<boolean>;
  status(): OpencodeState;
  /** The agent's permission requests and questions waiting for a person. */
  readonly requests: RequestBook;
  /** "provider/model" ids OpenCode offers, for the settings panel. */
  models(): Promise<string[]>;
  readonly env?: TaskEnvActions;
}
