import type { ImportIssuesInput, ImportIssuesResult } from '../../../shared/github-api.js';
import type { Task } from '../../../shared/task.js';
import { answerTask } from './answers.js';
import { api } from './api.js';
import { attempt, toast } from './toasts.js';

/** tRPC's inferred output drops a loose task's optional objects (pullRequest, issue); the shared type has them. */
const asTask = async (result: Promise<unknown>) => (await result) as Task;

async function act(what: string, task: Task, run: () => Promise<unknown>): Promise<boolean> {
  const updated = await answerTask(() => attempt(`${what} "${task.title}" failed`, () => asTask(run())));
  return updated !== undefined;
}

export function openPullRequest(task: Task, draft = false): Promise<boolean> {
  return act('Opening a pull request for', task, () => api().tasks.openPullRequest.mutate({ id: task.id, draft }));
}

export function syncPullRequest(task: Task): Promise<boolean> {
  return act('Reading the pull request of', task, () => api().tasks.syncPullRequest.mutate({ id: task.id }));
}

export function fixChecks(task: Task): Promise<boolean> {
  return act('Fixing the failing checks of', task, () => api().tasks.fixChecks.mutate({ id: task.id }));
}

export function fixPullRequestComments(task: Task): Promise<boolean> {
  return act('Fixing the PR comments of', task, () => api().tasks.fixPullRequestComments.mutate({ id: task.id }));
}

export async function importIssues(input: ImportIssuesInput): Promise<ImportIssuesResult | undefined> {
  const result = await attempt('Importing issues from GitHub failed', () => api().tasks.importIssues.mutate(input));
  if (result)
    toast(
      `Imported from GitHub: ${result.created.length} new, ${result.updated.length} updated${result.skipped.length ? `, ${result.skipped.length} pull request(s) skipped` : ''}`,
    );
  return result;
}
