import { z } from 'zod';
import { TaskId } from './task.js';

/** Inputs and results of the GitHub procedures (tasks.openPullRequest, tasks.importIssues). */
export const OpenPullRequestInput = z.object({ id: TaskId, draft: z.boolean().optional() }).strict();
export const ImportIssuesInput = z
  .object({
    labels: z.array(z.string().trim().min(1).max(50)).max(20).optional(),
    state: z.enum(['open', 'closed', 'all']).optional(),
    numbers: z.array(z.number().int().positive()).max(100).optional(),
  })
  .strict();
export type ImportIssuesInput = z.infer<typeof ImportIssuesInput>;
export const ImportIssuesResult = z.object({
  created: z.array(TaskId),
  updated: z.array(TaskId),
  /** Numbers the issues API listed that are pull requests, skipped. */
  skipped: z.array(z.number().int()),
});
export type ImportIssuesResult = z.infer<typeof ImportIssuesResult>;
