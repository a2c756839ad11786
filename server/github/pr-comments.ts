import { PR_REVIEW_PATH, type ReviewComment } from '../../shared/comments.js';
import type { StudioStore } from '../store/studio-store.js';

/** The fields of a PR line comment (GET /repos/{owner}/{repo}/pulls/{n}/comments) that the board keeps. */
export interface LineCommentView {
  id: number;
  path: string;
  body: string;
  html_url: string;
  side?: 'LEFT' | 'RIGHT';
  line?: number | null;
  original_line?: number | null;
  start_line?: number | null;
  diff_hunk?: string;
  created_at: string;
  updated_at: string;
  user: { login: string } | null;
}

/** The fields of a PR review (GET /repos/{owner}/{repo}/pulls/{n}/reviews) that the board keeps. */
export interface ReviewView {
  id: number;
  body: string | null;
  html_url: string;
  state: string;
  submitted_at?: string | null;
  user: { login: string } | null;
}

function fromLine(c: LineCommentView): ReviewComment {
  const current = c.line ?? null;
  const line = current ?? c.original_line ?? 1;
  const start = c.start_line ?? null;
  return {
    id: `gh-${c.id}`,
    path: c.path,
    side: c.side === 'LEFT' ? 'old' : 'new',
    line: start && start < line ? start : line,
    endLine: start && start < line ? line : null,
    body: c.body.trim() || '(empty comment)',
    // GitHub keeps a comment whose lines changed without a line: outdated there too.
    status: current === null ? 'outdated' : 'open',
    author: 'github',
    source: { forge: 'github', id: c.id, kind: 'line', author: c.user?.login ?? 'ghost', url: c.html_url },
    quote: [],
    commit: null,
    createdAt: c.created_at,
    updatedAt: c.updated_at,
  };
}

function fromReview(r: ReviewView): ReviewComment | null {
  const body = r.body?.trim();
  if (!body) return null;
  const at = r.submitted_at ?? null;
  return {
    id: `ghr-${r.id}`,
    path: PR_REVIEW_PATH,
    side: 'new',
    line: 1,
    endLine: null,
    body,
    status: 'open',
    author: 'github',
    source: { forge: 'github', id: r.id, kind: 'review', author: r.user?.login ?? 'ghost', url: r.html_url },
    quote: [],
    commit: null,
    createdAt: at,
    updatedAt: at,
  };
}

/**
 * Writes the PR's line comments and review bodies into `comments/<id>.json` beside the studio's own.
 * A comment already there keeps what the board decided about it (resolved, sent to a fix).
 */
export async function mirrorPullRequestComments(
  store: StudioStore,
  taskId: string,
  lines: LineCommentView[],
  reviews: ReviewView[],
): Promise<void> {
  const pulled = [...lines.map(fromLine), ...reviews.map(fromReview).filter((c): c is ReviewComment => c !== null)];
  await store.comments.update(taskId, (list) => {
    const before = new Map(list.filter((c) => c.author === 'github').map((c) => [c.id, c]));
    const merged = pulled.map((c) => {
      const old = before.get(c.id);
      if (!old) return c;
      const keep = old.status === 'resolved' ? old.status : c.status;
      return {
        ...c,
        status: keep,
        ...(old.sentToFix ? { sentToFix: true } : {}),
        ...(old.addressedAt ? { addressedAt: old.addressedAt } : {}),
      };
    });
    const next = [...list.filter((c) => c.author !== 'github'), ...merged];
    return JSON.stringify(next) === JSON.stringify(list) ? null : next;
  });
}

/** The open GitHub comments as feedback for the fix phase. */
export function commentsFeedback(comments: ReviewComment[]): string {
  const lines = comments.map((c) => {
    const who = c.source ? `@${c.source.author}` : 'a reviewer';
    const where = c.path === PR_REVIEW_PATH ? 'on the pull request' : `on \`${c.path}:${c.line}\``;
    return `- ${who} ${where}:\n${c.body
      .split('\n')
      .map((l) => `    ${l}`)
      .join('\n')}`;
  });
  return `Address these review comments from the pull request on GitHub:\n${lines.join('\n')}`;
}
