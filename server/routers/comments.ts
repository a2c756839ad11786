import { z } from 'zod';
import { IdInput, Ok } from '../../shared/api.js';
import { AddCommentInput, CommentRef, ResolveCommentInput, ReviewComment, UpdateCommentInput } from '../../shared/comments.js';
import { procedure, router } from '../trpc.js';
import { rest } from './meta.js';

const meta = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: `/${string}`, summary: string, access?: 'read' | 'own-task') =>
  rest(method, path, summary, 'comments', access ? { access } : {});

/** Review comments on lines of a task's diff: `.opencode-studio/comments/<id>.json`. */
export const commentsRouter = router({
  list: procedure
    .meta(meta('GET', '/tasks/{id}/comments', 'The review comments on the task diff', 'read'))
    .input(IdInput)
    .output(z.array(ReviewComment))
    .query(({ ctx, input }) => ctx.services.comments.list(input.id)),
  add: procedure
    .meta(meta('POST', '/tasks/{id}/comments', 'Comment on a line or a range of lines of the task diff', 'own-task'))
    .input(AddCommentInput)
    .output(ReviewComment)
    .mutation(({ ctx, input }) => ctx.services.comments.add(input, ctx.principal?.kind === 'agent' ? 'agent' : 'person')),
  update: procedure
    .meta(meta('PATCH', '/tasks/{id}/comments/{commentId}', 'Change the text of a comment'))
    .input(UpdateCommentInput)
    .output(ReviewComment)
    .mutation(({ ctx, input }) => ctx.services.comments.update(input.id, input.commentId, input.body)),
  delete: procedure
    .meta(meta('DELETE', '/tasks/{id}/comments/{commentId}', 'Delete a comment'))
    .input(CommentRef)
    .output(Ok)
    .mutation(async ({ ctx, input }) => {
      await ctx.services.comments.delete(input.id, input.commentId);
      return { ok: true as const };
    }),
  resolve: procedure
    .meta(meta('POST', '/tasks/{id}/comments/{commentId}/resolve', 'Resolve a comment (resolved: false opens it again)'))
    .input(ResolveCommentInput)
    .output(ReviewComment)
    .mutation(({ ctx, input }) => ctx.services.comments.resolve(input.id, input.commentId, input.resolved)),
});
