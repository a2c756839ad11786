import type { ReviewComment } from '../../shared/comments.js';
import type { Task } from '../../shared/task.js';

const SUMMARY_MAX = 3_000;

/** The plan's opening: everything before its second heading (or its first paragraphs), shortened. */
export function planSummary(plan: string | null): string | null {
  const text = plan?.trim();
  if (!text) return null;
  const lines = text.split('\n');
  const headings = lines.flatMap((l, i) => (/^#{1,6}\s/.test(l) ? [i] : []));
  const end = headings.length > 1 && headings[0] === 0 ? headings[1]! : headings.find((i) => i > 0);
  const first = lines
    .slice(0, end ?? lines.length)
    .join('\n')
    .trim();
  return first.length > SUMMARY_MAX ? `${first.slice(0, SUMMARY_MAX)}…` : first;
}

const VERDICT_TEXT: Record<NonNullable<Task['verdict']>, string> = {
  approved: 'approved',
  changes_requested: 'changes requested',
  unclear: 'no clear verdict',
};

/** The pull request's body: the plan's summary, the AI review's verdict and open comments, and `Closes #N`. */
export function pullRequestBody(task: Task, plan: string | null, comments: ReviewComment[]): string {
  const parts: string[] = [];
  const summary = planSummary(plan);
  parts.push(summary ? `## Plan\n\n${summary}` : task.description.trim() || task.title);
  if (task.verdict) parts.push(`## AI review\n\nVerdict: ${VERDICT_TEXT[task.verdict]}.`);
  const open = comments.filter((c) => c.status === 'open' && c.author !== 'github');
  if (open.length)
    parts.push(`### Open review comments\n\n${open.map((c) => `- \`${c.path}:${c.line}\` ${c.body.split('\n')[0]}`).join('\n')}`);
  if (task.issue) parts.push(`Closes #${task.issue.number}`);
  parts.push(`<sub>Opened from OpenCode Studio, task \`${task.id}\`.</sub>`);
  return parts.join('\n\n');
}
