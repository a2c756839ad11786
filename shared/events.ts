import { z } from 'zod';
import { ActivityEntry } from './activity.js';
import { ReviewComment } from './comments.js';
import { Config } from './config.js';
import { STORAGE_FAULT_REASONS } from './errors.js';
import { AgentRequest, RequestOutcome } from './requests.js';
import { Task } from './task.js';
import { DevServerState, SlotState } from './task-env.js';

/**
 * Whether the model answers, apart from whether OpenCode is up: learned from OpenCode's provider
 * list and from the outcome of the last model call. `unknown` until either says something.
 */
export const ModelHealth = z.object({
  state: z.enum(['unknown', 'ok', 'failing']),
  /** `no-model` or a `model-*` reason while failing. */
  reason: z
    .enum(['no-model', 'model-unreachable', 'model-unauthorized', 'model-rate-limited', 'model-error', 'model-stream-cut'])
    .nullable(),
  /** What happened and what to do, while failing. */
  message: z.string().nullable(),
  /** "provider/model" of the last call, when known. */
  model: z.string().nullable(),
  /** For a rate limit: when the provider said to try again. */
  retryAt: z.string().nullable(),
  /** When this was learned. */
  at: z.string().nullable(),
});
export type ModelHealth = z.infer<typeof ModelHealth>;
export const UNKNOWN_MODEL_HEALTH: ModelHealth = {
  state: 'unknown',
  reason: null,
  message: null,
  model: null,
  retryAt: null,
  at: null,
};

export const OpencodeState = z.object({
  state: z.enum(['starting', 'ready', 'unavailable']),
  url: z.string().nullable(),
  reason: z.string().nullable(),
  managed: z.boolean(),
  demo: z.boolean(),
  model: ModelHealth,
});
export type OpencodeState = z.infer<typeof OpencodeState>;

/** `merge-conflict`: git left conflict markers in the file; the reason names the two sides. */
export const ProblemKind = z.enum(['invalid', 'merge-conflict', 'dependency-cycle']);
export type ProblemKind = z.infer<typeof ProblemKind>;
export const Problem = z.object({ path: z.string(), reason: z.string(), kind: ProblemKind.default('invalid') });
export type Problem = z.infer<typeof Problem>;

/**
 * The last write the disk refused (full, read-only, no permission), until a write succeeds again.
 * `path` is relative to the repository when inside it; `message` says what to do, naming it.
 */
export const StorageFault = z.object({
  reason: z.enum(STORAGE_FAULT_REASONS),
  path: z.string(),
  message: z.string(),
  since: z.string(),
});
export type StorageFault = z.infer<typeof StorageFault>;

/** Everything the bus carries. `resync` tells a resuming client that it missed too much: reload. */
export const StudioEventBody = z.discriminatedUnion('type', [
  z.object({ type: z.literal('task.created'), task: Task }),
  z.object({ type: z.literal('task.updated'), task: Task }),
  z.object({ type: z.literal('task.deleted'), taskId: z.string() }),
  z.object({ type: z.literal('plan.updated'), taskId: z.string(), markdown: z.string().nullable() }),
  z.object({ type: z.literal('review.updated'), taskId: z.string(), markdown: z.string().nullable() }),
  /** The task branch moved without a phase (Update from base): its diff is new. */
  z.object({ type: z.literal('branch.updated'), taskId: z.string(), head: z.string() }),
  z.object({ type: z.literal('comments.updated'), taskId: z.string(), comments: z.array(ReviewComment) }),
  z.object({ type: z.literal('config.updated'), config: Config }),
  z.object({
    type: z.literal('file.invalid'),
    path: z.string(),
    reason: z.string(),
    kind: ProblemKind.default('invalid'),
  }),
  z.object({ type: z.literal('file.recovered'), path: z.string() }),
  z.object({ type: z.literal('storage.fault'), fault: StorageFault }),
  z.object({ type: z.literal('storage.recovered') }),
  /** New activity of one task, in order: a chatty agent's entries come a window's worth at a time. */
  z.object({ type: z.literal('activity.appended'), taskId: z.string(), entries: z.array(ActivityEntry) }),
  z.object({ type: z.literal('opencode.status'), opencode: OpencodeState }),
  z.object({ type: z.literal('request.asked'), taskId: z.string(), request: AgentRequest }),
  z.object({ type: z.literal('request.replied'), taskId: z.string(), request: AgentRequest, outcome: RequestOutcome }),
  z.object({ type: z.literal('slots.updated'), slots: z.array(SlotState) }),
  /** A dev server's state changed or it printed `output` (the log itself is in devServer.get). */
  z.object({ type: z.literal('devserver.updated'), server: DevServerState.omit({ log: true, event: true }), output: z.string() }),
  z.object({ type: z.literal('resync'), reason: z.string() }),
]);
export type StudioEventBody = z.infer<typeof StudioEventBody>;
export type StudioEventType = StudioEventBody['type'];

/** An event as the bus delivers it: `id` is `<epoch>-<seq>`, increasing within one server run (task ids travel as `taskId`). */
export type StudioEvent = StudioEventBody & { id: string; at: string };

/** Whether event `id` came after event `than` (ids are `<epoch>-<seq>`; another epoch is a later server run). */
export function eventAfter(id: string, than: string | null): boolean {
  if (than === null) return true;
  const [epoch, seq] = id.split('-');
  const [thanEpoch, thanSeq] = than.split('-');
  return epoch !== thanEpoch || Number(seq) > Number(thanSeq);
}
