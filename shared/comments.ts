import { z } from 'zod';
import { TaskId } from './task.js';

export const COMMENT_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;
export const CommentId = z.string().regex(COMMENT_ID_PATTERN, 'a comment id is 1-64 characters of a-z, 0-9 and "-"');

/** `new`: a line of the task branch (added or unchanged); `old`: a line of the base that the branch removed. */
export const CommentSide = z.enum(['new', 'old']);
export type CommentSide = z.infer<typeof CommentSide>;

/** open: to act on; outdated: the lines changed since (shown against the old line); resolved: a person closed it. */
export const CommentStatus = z.enum(['open', 'outdated', 'resolved']);
export type CommentStatus = z.infer<typeof CommentStatus>;

const body = z.string().trim().min(1, 'say something in the comment').max(20_000);
const lineNo = z.number().int().min(1).max(10_000_000);

/** One review comment on a line or a range of lines of the task's diff. */
export const ReviewComment = z.looseObject({
  id: CommentId,
  path: z.string().min(1).max(4096),
  side: CommentSide.default('new'),
  line: lineNo,
  endLine: lineNo.nullable().default(null),
  body,
  status: CommentStatus.default('open'),
  /** `ai`: a finding of the latest AI review that names `path:line`; replaced by the next review. */
  author: z.enum(['person', 'ai', 'agent']).default('person'),
  /** The commented lines as they were when the comment was made (or last moved). */
  quote: z.array(z.string()).default([]),
  /** The branch commit the line numbers refer to. */
  commit: z.string().nullable().default(null),
  createdAt: z.string().nullable().default(null),
  updatedAt: z.string().nullable().default(null),
});
export type ReviewComment = z.infer<typeof ReviewComment>;

export const COMMENT_KEY_ORDER = [
  'id',
  'path',
  'side',
  'line',
  'endLine',
  'body',
  'status',
  'author',
  'quote',
  'commit',
  'createdAt',
  'updatedAt',
] as const;

/** `.opencode-studio/comments/<task id>.json` */
export const CommentsFile = z.looseObject({ comments: z.array(ReviewComment).max(5_000).default([]) });
export type CommentsFile = z.infer<typeof CommentsFile>;

export const AddCommentInput = z
  .object({
    id: TaskId,
    path: z.string().min(1).max(4096),
    side: CommentSide.default('new'),
    line: lineNo,
    endLine: lineNo.optional(),
    body,
  })
  .strict()
  .refine((c) => c.endLine === undefined || c.endLine >= c.line, {
    message: 'endLine must not be before line',
    path: ['endLine'],
  });
export const CommentRef = z.object({ id: TaskId, commentId: CommentId }).strict();
export const UpdateCommentInput = z.object({ id: TaskId, commentId: CommentId, body }).strict();
export const ResolveCommentInput = z.object({ id: TaskId, commentId: CommentId, resolved: z.boolean().default(true) }).strict();
