import type { ReviewComment } from '../../../shared/comments.js';
import { api } from './api.js';
import { details, setDetail } from './details.js';
import { attempt } from './toasts.js';

/** Loads a task's comments once; `comments.updated` events keep them current after that. */
export async function loadComments(taskId: string): Promise<void> {
  const list = await attempt('Loading the comments failed', () => api().comments.list.query({ id: taskId }));
  if (list) setDetail(taskId, { comments: list });
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
