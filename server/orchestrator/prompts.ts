import path from 'node:path';
import { commentPlace } from '../../shared/comment-place.js';
import type { ReviewComment } from '../../shared/comments.js';
import type { AgentPhase, Task } from '../../shared/task.js';
import { readTextOrNull } from '../store/atomic-file.js';

export type PromptVars = {
  task: Task;
  plan?: string | null;
  review?: string | null;
  diff?: string;
  feedback?: string | null;
  /** The session has the studio's MCP tools (config `mcp`). */
  tools?: boolean;
  /** The conflicts phase: the files git could not merge, and the branch merged in. */
  conflicts?: readonly string[];
  base?: string;
  comments?: readonly ReviewComment[];
  /** The task's port (config portRange), for a prompt that starts a server: `{{port}}`. */
  port?: number | null;
};

const TEMPLATES: Record<AgentPhase, string> = {
  planning: `You are planning a change in this repository. Do not edit any file.

# Task: {{title}}
{{description}}
{{feedback}}{{followUps}}
Read the code you need, then answer with a concise implementation plan in markdown:
the files to change or create, the steps in order, and how to verify the result.
Your whole answer becomes the plan a person reviews.`,
  implementation: `Implement this plan in the repository (your working directory is the task's git worktree).
Do not commit; the studio commits your changes when you finish.

# Task: {{title}}
{{description}}

# Plan (approved; a person may have edited it)
{{plan}}

When you are done, answer with a short summary of what you changed.`,
  review: `Review the change below against the task and its plan. Do not edit any file.

# Task: {{title}}
{{description}}

# Plan
{{plan}}

# Diff of the task branch against its base
{{diff}}

Answer with a markdown review: what is good, what must change (be specific: file and reason).
The last line of your answer must be exactly one of:
VERDICT: APPROVED
VERDICT: CHANGES_REQUESTED`,
  fix: `Fix the problems found in the review of your change (your working directory is the task's git worktree).
Do not commit; the studio commits your changes when you finish.

# Task: {{title}}
{{description}}

# Plan
{{plan}}

# Review
{{review}}
{{feedback}}{{comments}}
When you are done, answer with a short summary of what you changed.`,
  conflicts: `Merging {{base}} into this task's branch conflicted (your working directory is the task's git worktree, with the merge in progress).
Do not commit and do not run git merge, rebase or reset; the studio commits the merge when you finish.

# Task: {{title}}
{{description}}

# Plan
{{plan}}

# Files with conflicts
{{conflicts}}

Resolve every conflict in these files so that both the task's change and the changes from {{base}} still work.
Remove every conflict marker (<<<<<<<, =======, >>>>>>>). Then answer with a short summary of how you resolved each file.`,
};

/**
 * The prompt for a phase: `.opencode-studio/prompts/<phase>.md` when the project has one,
 * else the built-in template. Nothing is added for test doubles: the demo model reads the
 * prompt as a model would (server/demo/demo-script.ts).
 */
export async function buildPrompt(promptsDir: string, phase: AgentPhase, vars: PromptVars): Promise<string> {
  const override = await readTextOrNull(path.join(promptsDir, `${phase}.md`));
  const template = override ?? TEMPLATES[phase];
  const values: Record<string, string> = {
    id: vars.task.id,
    title: vars.task.title,
    description: vars.task.description.trim() || '(no description)',
    plan: vars.plan?.trim() || '(no plan)',
    review: vars.review?.trim() || '(no review)',
    diff: vars.diff ?? '',
    iteration: String(vars.task.iteration),
    feedback: vars.feedback ? `\n# Feedback from a person (take it into account)\n${vars.feedback}\n` : '',
    followUps: vars.tools
      ? `\nIf the task is too large for one change, split it: create each later part as a follow-up task with the studio's task_create tool, with parent "${vars.task.id}", and plan only the first part here.\n`
      : '',
    conflicts: (vars.conflicts ?? []).map((f) => `- ${f}`).join('\n') || '(none)',
    base: vars.base ?? '',
    comments: commentsForPrompt(vars.comments ?? []),
    port: vars.port ? String(vars.port) : '',
  };
  return template.replace(/\{\{(\w+)\}\}/g, (whole, key: string) => values[key] ?? whole);
}

/**
 * The open comments of people on lines of the diff, each as `path:line`, the quoted line(s) and
 * the comment. The AI's own comments are its review, which the prompt already carries.
 */
export function commentsForPrompt(comments: readonly ReviewComment[]): string {
  const open = comments.filter((c) => c.status === 'open' && c.author === 'person');
  if (open.length === 0) return '';
  const items = open.map((c) => {
    const quote = c.quote.length ? `\n${c.quote.map((l) => `> ${l}`).join('\n')}` : '';
    const side = c.side === 'old' ? ' (a line the change removed)' : '';
    return `## ${commentPlace(c)}${side}${quote}\n\n${c.body}`;
  });
  return `\n# Comments from a person on lines of the diff (act on each)\n\n${items.join('\n\n')}\n`;
}

export const MAX_REVIEW_DIFF_CHARS = 120_000;

export function diffForReview(patch: string, truncated: boolean): string {
  if (!patch.trim()) return '(the branch has no changes)';
  const cut = patch.length > MAX_REVIEW_DIFF_CHARS;
  const shown = cut ? patch.slice(0, MAX_REVIEW_DIFF_CHARS) : patch;
  const note =
    cut || truncated ? `\n[diff truncated: ${patch.length} characters in all; read the files in the worktree for the rest]` : '';
  return `\`\`\`diff\n${shown}\n\`\`\`${note}`;
}
