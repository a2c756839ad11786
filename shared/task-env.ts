import { z } from 'zod';

/** A spare worktree kept ready for the next Start (config warmSlots). */
export const SlotState = z.object({
  name: z.string(),
  dir: z.string(),
  state: z.enum(['setting-up', 'ready', 'updating', 'failed']),
  /** The base commit the slot sits on; null until it is checked out. */
  base: z.string().nullable(),
  /** The last lines of a failed setup (never handed to a task), else null. */
  output: z.string().nullable(),
  /**
   * OpenCode's instance for the folder is started, so a first prompt there does not wait for it.
   * A ready spare is warmed at a moment when no phase runs; one not warmed yet is still handed out.
   */
  warmed: z.boolean().default(false),
});
export type SlotState = z.infer<typeof SlotState>;

/** A task's dev server (config devServer): its state, port, the link once the port answers, and the tail of its log. */
export const DevServerState = z.object({
  taskId: z.string(),
  state: z.enum(['stopped', 'starting', 'listening', 'exited']),
  port: z.number().int().nullable(),
  /** http://localhost:<port>, once the port answers. */
  url: z.string().nullable(),
  pid: z.number().int().nullable(),
  exitCode: z.number().int().nullable(),
  /** The last 64 KB of its output. */
  log: z.string(),
  /** The `devserver.updated` this state is current with: the log holds its output and that of the ones before, none after. Null before any. */
  event: z.string().nullable(),
});
export type DevServerState = z.infer<typeof DevServerState>;
