import { z } from 'zod';
import { ActivityEntry } from './activity.js';
import { Config, ConfigPatch } from './config.js';
import { ERROR_REASON_TEXT, ERROR_REASONS } from './errors.js';
import { OpencodeState, Problem, StorageFault } from './events.js';
import { GithubLinkInfo } from './github.js';
import { AgentRequest } from './requests.js';
import { Task, TaskId, TaskStatus } from './task.js';
import { SlotState } from './task-env.js';
import { TrustState } from './trust.js';

export const IdInput = z.object({ id: TaskId });
const DependsOn = z.array(TaskId).max(50, 'at most 50 dependencies');
export const ListTasksInput = z
  .object({
    status: TaskStatus.optional(),
    /** Only tasks that carry this label. */
    label: z.string().trim().min(1).max(50).optional(),
    /** Only tasks whose title, description or id contain this text (any case). */
    search: z.string().trim().min(1).max(200).optional(),
  })
  .strict();
export type ListTasksInput = z.infer<typeof ListTasksInput>;
/**
 * Every task in board order, with the id of the last event they already include: a client that
 * subscribes to events from `lastEventId` misses nothing, whenever it subscribes.
 */
export const TasksSnapshot = z.object({ lastEventId: z.string(), tasks: z.array(Task) });
export type TasksSnapshot = z.infer<typeof TasksSnapshot>;
export const CreateTaskInput = z
  .object({
    title: z.string().trim().min(1, 'title must not be empty').max(500),
    description: z.string().max(200_000).optional(),
    labels: z.array(z.string().trim().min(1).max(50)).max(50).optional(),
    /** The task this one follows up on; it must exist. */
    parent: TaskId.optional(),
    dependsOn: DependsOn.optional(),
    autoStart: z.boolean().optional(),
  })
  .strict();
export const UpdateTaskInput = z
  .object({
    id: TaskId,
    title: z.string().trim().min(1, 'title must not be empty').max(500).optional(),
    description: z.string().max(200_000).optional(),
    labels: z.array(z.string().trim().min(1).max(50)).max(50).optional(),
    order: z.number().finite().optional(),
    dependsOn: DependsOn.optional(),
    autoStart: z.boolean().optional(),
  })
  .strict();
export const MoveTaskInput = z.object({ id: TaskId, status: TaskStatus, order: z.number().finite().optional() }).strict();
export const ConflictSide = z.enum(['ours', 'theirs']);
export const ResolveConflictInput = z
  .object({ id: TaskId, choices: z.record(z.string().min(1).max(200), ConflictSide) })
  .strict();
export const DeleteTaskInput = z.object({ id: TaskId, force: z.boolean().optional() }).strict();
export const UpdatePlanInput = z.object({ id: TaskId, markdown: z.string().max(1_000_000) }).strict();
export const RequestChangesInput = z
  .object({ id: TaskId, feedback: z.string().trim().min(1, 'say what to change').max(100_000) })
  .strict();
/** A page of the rows the Activity tab shows (one per tool call): the last `limit` before `before`, by default the newest. */
export const ActivityRowsInput = z
  .object({
    id: TaskId,
    before: z.coerce.number().int().min(0).optional(),
    limit: z.coerce.number().int().min(1).max(5_000).default(1_000),
  })
  .strict();
/** `rows` are the rows from `start` on, of `total` in all. */
export const ActivityRows = z.object({
  rows: z.array(ActivityEntry),
  start: z.number().int(),
  total: z.number().int(),
  /** The last event the rows are current with: the task's `activity.appended` events after it add to them, none before. Null when no events go with them. */
  asOf: z.string().nullable(),
});
export const EventsInput = z.object({ lastEventId: z.string().max(100).nullish() }).strict();
export const UpdateConfigInput = ConfigPatch;

export const DiffFile = z.object({
  path: z.string(),
  status: z.enum(['added', 'modified', 'deleted', 'renamed']),
  additions: z.number(),
  deletions: z.number(),
});
export const TaskDiff = z.object({
  base: z.string(),
  head: z.string(),
  files: z.array(DiffFile),
  patch: z.string(),
  truncated: z.boolean(),
});
export type TaskDiff = z.infer<typeof TaskDiff>;

export const ProjectInfo = z.object({
  root: z.string(),
  name: z.string(),
  branch: z.string().nullable(),
  baseBranch: z.string(),
  opencode: OpencodeState,
  config: Config,
  problems: z.array(Problem),
  /** The disk refused the last write (full, read-only, no permission); null once a write succeeds. */
  storage: StorageFault.nullable().default(null),
  /** Whether the repo's settings that run commands or loosen the agent are trusted here (shared/trust.ts). */
  trust: TrustState,
  version: z.string(),
  demo: z.boolean(),
  /** The link to GitHub: repo, API base, whether a token was found, and what stands in the way. */
  github: GithubLinkInfo,
  /** The warm worktree slots and their states (empty with warmSlots 0 or without an agent). */
  slots: z.array(SlotState).default([]),
});
export type ProjectInfo = z.infer<typeof ProjectInfo>;

export const TaskDetail = z.object({
  task: Task,
  plan: z.string().nullable(),
  review: z.string().nullable(),
  /** What the agent is waiting for a person to answer. */
  requests: z.array(AgentRequest),
});
export type TaskDetail = z.infer<typeof TaskDetail>;
export const Ok = z.object({ ok: z.literal(true) });

const reasonMeanings = Object.entries(ERROR_REASON_TEXT).map(([code, text]) => `- \`${code}\`: ${text}`);

/** The one error body of the REST API (`/api`); the typed client gets the same `reason` in `error.data`. */
export const ApiError = z
  .object({
    code: z.string().meta({ description: 'the tRPC error code, e.g. NOT_FOUND or PRECONDITION_FAILED' }),
    message: z.string().meta({ description: 'what went wrong, for a person' }),
    reason: z.enum(ERROR_REASONS).meta({ description: `a stable code to branch on:\n${reasonMeanings.join('\n')}` }),
    issues: z
      .array(z.object({ path: z.string(), message: z.string() }).strict())
      .optional()
      .meta({ description: 'invalid input only: each field that is wrong' }),
  })
  .strict();
export type ApiError = z.infer<typeof ApiError>;
