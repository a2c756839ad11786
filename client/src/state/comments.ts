import type { ReviewComment } from '../../../shared/comments.js';
import type { Api } from '../lib/trpc.js';
import { answerUnderEvents } from './answers.js';
import { api } from './api.js';
import { details, setDetail } from './details.js';
import { attempt } from './toasts.js';

/**
 * Loads a task's comments once; `comments.updated` events keep them current after that. The list
 * is laid under the events for the task that came while it was asked, so an older answer does not
 * put back a comment deleted meanwhile.
 */
export async function loadComments(from: Api, taskId: string): Promise<void> {
  await answerUnderEvents(
    () => attempt('Loading the comments failed', () => from.comments.list.query({ id: taskId })),
    (list) => setDetail(taskId, { comments: list }),
    (event) => event.type === 'comments.updated' && event.taskId === taskId,
  );
}

function keep(taskId: string, comment: ReviewComment): void {
  const list = details[taskId]?.comments ?? [];
  const at = list.findIndex((c) => c.id === comment.id);
  setDetail(taskId, { comments: at < 0 ? [...list, comment] : list.with(at, comment) });
}

export async function addComment(
  taskId: string,
  input: { path: string; side: 'new' | 'old'; line: number; endLine?: number; body: string },
): Promise<boolean> {
  const added = await attempt('Adding the comment failed', () => api().comments.add.mutate({ id: taskId, ...input }));
  if (added) keep(taskId, added);
  return added !== undefined;
}

export async function resolveComment(taskId: string, commentId: string, resolved: boolean): Promise<void> {
  const done = await attempt('Resolving the comment failed', () =>
    api().comments.resolve.mutate({ id: taskId, commentId, resolved }),
  );
  if (done) keep(taskId, done);
}

export async function editComment(taskId: string, commentId: string, body: string): Promise<boolean> {
  const done = await attempt('Saving the comment failed', () => api().comments.update.mutate({ id: taskId, commentId, body }));
  if (done) keep(taskId, done);
  return done !== undefined;
}

export async function deleteComment(taskId: string, commentId: string): Promise<void> {
  const done = await attempt('Deleting the comment failed', () => api().comments.delete.mutate({ id: taskId, commentId }));
  if (done) setDetail(taskId, { comments: (details[taskId]?.comments ?? []).filter((c) => c.id !== commentId) });
}
