import { z } from 'zod';
import { ERROR_REASONS } from './errors.js';
import { IssueRef, PullRequestRecord } from './github.js';
import { TASK_STATUSES } from './statuses.js';

/** Ids double as file names, so this pattern is the only gate between input and a path. */
export const TASK_ID_PATTERN = /^[a-z0-9][a-z0-9-]{1,63}$/;

export const TaskId = z
  .string()
  .regex(TASK_ID_PATTERN, 'a task id is 2-64 characters of a-z, 0-9 and "-", starting with a letter or digit');
export type TaskId = z.infer<typeof TaskId>;

export { STATUS_TITLES, TASK_STATUSES } from './statuses.js';
export const TaskStatus = z.enum(TASK_STATUSES);
export type TaskStatus = z.infer<typeof TaskStatus>;

/**
 * The agent phases the orchestrator runs; `fix` is an implementation run driven by a review;
 * `conflicts` resolves a merge of the base branch into the task branch (Update from base).
 */
export const AgentPhase = z.enum(['planning', 'implementation', 'review', 'fix', 'conflicts']);
export type AgentPhase = z.infer<typeof AgentPhase>;

/** `waiting`: the agent asked a person (a permission or a question) and is paused until it is answered. */
export const RunState = z.enum(['queued', 'running', 'waiting', 'failed', 'aborted', 'interrupted']);
export type RunState = z.infer<typeof RunState>;

/** What the agent is doing (or last failed doing) for this task; null when nothing is pending. */
export const TaskRun = z.object({
  phase: AgentPhase,
  state: RunState,
  sessionId: z.string().nullable().default(null),
  startedAt: z.string().nullable().default(null),
  /** A one-line description of the current step, e.g. "editing src/app.ts" or "retrying (attempt 2)". */
  activity: z.string().nullable().default(null),
  /**
   * Set while a running phase's session has shown no output for `phaseStallSeconds`: the time of
   * its last output. Absent otherwise; new output removes it.
   */
  stalledSince: z.string().optional(),
  /** Feedback from a person that the next run of this phase must take into account. */
  feedback: z.string().nullable().default(null),
});
export type TaskRun = z.infer<typeof TaskRun>;

export const TaskUsage = z.object({
  tokens: z.number().nonnegative().default(0),
  cost: z.number().nonnegative().default(0),
  durationMs: z.number().nonnegative().default(0),
});
export type TaskUsage = z.infer<typeof TaskUsage>;

export const ReviewVerdict = z.enum(['approved', 'changes_requested', 'unclear']);
export type ReviewVerdict = z.infer<typeof ReviewVerdict>;

/** One field two merges changed differently: the value at their common base and on each side (absent when a side has no such field). */
export const FieldClash = z.object({
  base: z.unknown().optional(),
  ours: z.unknown().optional(),
  theirs: z.unknown().optional(),
});
export type FieldClash = z.infer<typeof FieldClash>;
/** Written by the studio's git merge driver: field name -> the clash. The file keeps "ours" until it is resolved. */
export const TaskConflict = z.record(z.string(), FieldClash);
export type TaskConflict = z.infer<typeof TaskConflict>;

const isoDate = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO date string');

/**
 * One task, one file: `.opencode-studio/tasks/<id>.json`.
 * Fields beyond the known ones are kept as they are (a person may add their own).
 */
export const Task = z.looseObject({
  id: TaskId,
  title: z.string().trim().min(1, 'title must not be empty').max(500),
  description: z.string().default(''),
  status: TaskStatus,
  order: z.number().finite(),
  labels: z.array(z.string().min(1).max(50)).max(50).default([]),
  /** The task this one was split from (a follow-up created by a planning agent); absent otherwise. */
  parent: TaskId.optional(),
  /** Tasks that must be Done (merged) before this one may start; absent when there are none. */
  dependsOn: z.array(TaskId).max(50).optional(),
  /** Start by itself when the last of `dependsOn` reaches Done; absent means false. */
  autoStart: z.boolean().optional(),
  /** The GitHub issue this task was imported from; absent otherwise. */
  issue: IssueRef.optional(),
  /** The git branch holding the task's work (`studio/<id>`), once started. */
  branch: z.string().nullable().default(null),
  /** The task's pull request on GitHub, once opened (config `landing: "pull-request"`). */
  pullRequest: PullRequestRecord.optional(),
  /** Once merged: the merge commit on the base branch (its diff stays readable after the branch is gone). */
  mergeCommit: z
    .string()
    .regex(/^[0-9a-f]{40,64}$/, 'a merge commit is a full git object id')
    .optional(),
  /** How many AI review rounds have run in the current implementation. */
  iteration: z.number().int().nonnegative().default(0),
  verdict: ReviewVerdict.nullable().default(null),
  run: TaskRun.nullable().default(null),
  /** The last failure, readable by a person, with what to do next. */
  error: z.string().nullable().default(null),
  /** The stable code of `error` when the studio knows it (e.g. `model-unreachable`); absent otherwise. */
  errorReason: z.enum(ERROR_REASONS).optional(),
  /** With `unattended`: what the agent asked for and was refused, latest last (absent until something is). */
  refused: z.array(z.string().max(1_000)).max(20).optional(),
  usage: TaskUsage.default({ tokens: 0, cost: 0, durationMs: 0 }),
  createdAt: isoDate,
  updatedAt: isoDate,
  /** Present only while a git merge left the task conflicted (see `tasks.resolveConflict`). */
  conflict: TaskConflict.optional(),
});
export type Task = z.infer<typeof Task>;

/** The git branch of a task: the one it records, else the one the studio makes for it on start. */
export function branchOf(task: Pick<Task, 'id' | 'branch'>): string {
  return task.branch ?? `studio/${task.id}`;
}

/** The fixed key order of a task file; unknown keys follow in the order they had (a merge's `conflict` comes last). */
export const TASK_KEY_ORDER = [
  'id',
  'title',
  'description',
  'status',
  'order',
  'labels',
  'parent',
  'dependsOn',
  'autoStart',
  'issue',
  'branch',
  'pullRequest',
  'mergeCommit',
  'iteration',
  'verdict',
  'run',
  'error',
  'errorReason',
  'refused',
  'usage',
  'createdAt',
  'updatedAt',
] as const;
