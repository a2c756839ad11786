import { z } from 'zod';
import { TaskId } from './task.js';

/** One choice of a question the agent asks (OpenCode's `QuestionOption`). */
export const QuestionOption = z.object({ label: z.string(), description: z.string().default('') });
export const QuestionInfo = z.object({
  question: z.string(),
  header: z.string().default(''),
  options: z.array(QuestionOption).default([]),
  multiple: z.boolean().optional(),
  /** Whether a typed answer is allowed besides the options. */
  custom: z.boolean().optional(),
});
export type QuestionInfo = z.infer<typeof QuestionInfo>;

/**
 * A request from the agent that waits for a person: a permission (run this command, edit that
 * path) or a question. It lives as long as OpenCode keeps it; it is never written to disk.
 */
export const AgentRequest = z.object({
  id: z.string(),
  taskId: TaskId,
  kind: z.enum(['permission', 'question']),
  /** The permission asked for, e.g. `bash`, `edit`, `external_directory`. */
  permission: z.string().optional(),
  /** What it applies to, e.g. the command or the path. */
  patterns: z.array(z.string()).optional(),
  /** The tool's details, e.g. `{ command }` for bash, `{ filepath, diff }` for an edit. */
  metadata: z.record(z.string(), z.unknown()).optional(),
  questions: z.array(QuestionInfo).optional(),
  askedAt: z.string(),
});
export type AgentRequest = z.infer<typeof AgentRequest>;

/** How a request left the list: answered by a person, or gone with its session. */
export const RequestOutcome = z.enum(['once', 'always', 'reject', 'answered', 'dismissed', 'gone']);
export type RequestOutcome = z.infer<typeof RequestOutcome>;

const requestId = z.string().min(1).max(200);
export const ListRequestsInput = z.object({ taskId: TaskId.optional() }).strict();
export const ReplyRequestInput = z
  .object({
    taskId: TaskId,
    requestId,
    reply: z.enum(['once', 'always', 'reject']),
    /** With `reject`: goes back to the model as feedback instead of stopping the run. */
    message: z.string().trim().min(1).max(10_000).optional(),
  })
  .strict();
export type ReplyRequestInput = z.infer<typeof ReplyRequestInput>;
export const AnswerRequestInput = z
  .object({
    taskId: TaskId,
    requestId,
    /** One list of chosen labels (or typed answers) per question, in order. */
    answers: z
      .array(z.array(z.string().max(10_000)).max(50))
      .min(1)
      .max(50),
  })
  .strict();
export type AnswerRequestInput = z.infer<typeof AnswerRequestInput>;
export const DismissRequestInput = z.object({ taskId: TaskId, requestId }).strict();
export type DismissRequestInput = z.infer<typeof DismissRequestInput>;
