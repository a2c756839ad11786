import { z } from 'zod';
import { AgentPhase } from './task.js';

/** One line of `.opencode-studio/runtime/activity/<id>.jsonl`. */
export const ActivityEntry = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('phase'),
    at: z.string(),
    phase: AgentPhase,
    state: z.enum(['started', 'finished', 'failed', 'aborted', 'queued']),
    message: z.string().optional(),
  }),
  z.object({ kind: z.literal('text'), at: z.string(), phase: AgentPhase, partId: z.string(), text: z.string() }),
  z.object({
    kind: z.literal('tool'),
    at: z.string(),
    phase: AgentPhase,
    partId: z.string(),
    tool: z.string(),
    title: z.string(),
    state: z.enum(['pending', 'running', 'completed', 'error']),
    durationMs: z.number().nullable(),
  }),
  z.object({ kind: z.literal('step'), at: z.string(), phase: AgentPhase, tokens: z.number(), cost: z.number() }),
  z.object({
    kind: z.literal('error'),
    at: z.string(),
    phase: AgentPhase,
    message: z.string(),
    /** Set when OpenCode is retrying a failing model call: which attempt this is. */
    attempt: z.number().int().positive().optional(),
    /** With `attempt`: when OpenCode tries again (its `next`), as an ISO date. */
    retryAt: z.string().optional(),
  }),
  /** A permission request or question: asked, answered, or gone with its run. */
  z.object({ kind: z.literal('request'), at: z.string(), phase: AgentPhase, message: z.string() }),
  /** One worktree setup command (config `worktreeSetup`): a row per state change, collapsed by `id`. */
  z.object({
    kind: z.literal('setup'),
    at: z.string(),
    phase: AgentPhase,
    id: z.string(),
    command: z.string(),
    step: z.number(),
    of: z.number(),
    state: z.enum(['running', 'completed', 'error']),
    exitCode: z.number().nullable(),
    durationMs: z.number().nullable(),
  }),
  /** Output of a setup command, a few lines at a time, as it comes. */
  z.object({ kind: z.literal('output'), at: z.string(), phase: AgentPhase, id: z.string(), text: z.string() }),
  /** Something the studio did or noticed outside a phase, e.g. a dependency that was deleted. */
  z.object({
    kind: z.literal('note'),
    at: z.string(),
    text: z.string(),
    /** Set on the note a compaction leaves where it dropped the oldest rows: how many in all. */
    dropped: z.number().int().positive().optional(),
  }),
]);
export type ActivityEntry = z.infer<typeof ActivityEntry>;
