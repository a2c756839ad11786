import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildPrompt, commentsForPrompt, diffForReview, MAX_REVIEW_DIFF_CHARS } from '../../server/orchestrator/prompts.js';
import { parseVerdict } from '../../server/orchestrator/verdict.js';
import { ReviewComment } from '../../shared/comments.js';
import { Task } from '../../shared/task.js';
import { removeTempDirs, tempDir } from '../helpers/temp-repo.js';

afterAll(removeTempDirs);

const task = Task.parse({
  id: 'add-flag-abc123',
  title: 'Add a flag',
  description: 'A --verbose flag.',
  status: 'planning',
  order: 1,
  iteration: 1,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
});

describe('prompts', () => {
  it('planning offers follow-up tasks through the studio tools only when the session has them (config mcp)', async () => {
    const dir = await tempDir();
    const withTools = await buildPrompt(dir, 'planning', { task, tools: true });
    expect(withTools).toContain('task_create tool, with parent "add-flag-abc123"');
    expect(await buildPrompt(dir, 'planning', { task })).not.toMatch(/task_create|\{\{followUps\}\}/);
    await fs.mkdir(path.join(dir, 'custom'));
    await fs.writeFile(path.join(dir, 'custom', 'planning.md'), 'Plan {{id}}.{{followUps}}');
    expect(await buildPrompt(path.join(dir, 'custom'), 'planning', { task, tools: false })).toMatch(/Plan add-flag-abc123\.$/);
  });

  it('fix: open comments of people go as path:line, the quoted lines and the comment; {{comments}} works in overrides', async () => {
    const comment = (over: Partial<ReviewComment>) =>
      ReviewComment.parse({ id: 'c-1', path: 'src/a.ts', line: 3, body: 'Name it better.', quote: ['const x = 1;'], ...over });
    const comments = [
      comment({}),
      comment({ id: 'c-2', line: 7, endLine: 8, quote: ['a', 'b'], body: 'Merge these.' }),
      comment({ id: 'c-3', status: 'resolved', body: 'RESOLVED ONE' }),
      comment({ id: 'c-4', status: 'outdated', body: 'OUTDATED ONE' }),
      comment({ id: 'c-5', author: 'ai', body: 'AI ONE' }),
    ];
    const text = commentsForPrompt(comments);
    expect(text).toContain('## src/a.ts:3\n> const x = 1;\n\nName it better.');
    expect(text).toContain('## src/a.ts:7-8\n> a\n> b\n\nMerge these.');
    expect(text).not.toMatch(/RESOLVED ONE|OUTDATED ONE|AI ONE/);
    expect(commentsForPrompt([])).toBe('');
    const dir = await tempDir();
    const builtIn = await buildPrompt(dir, 'fix', { task, review: 'R', feedback: 'F', comments });
    expect(builtIn).toContain('Name it better.');
    await fs.mkdir(path.join(dir, 'prompts'), { recursive: true });
    await fs.writeFile(path.join(dir, 'prompts', 'fix.md'), 'Only these:{{comments}}');
    const custom = await buildPrompt(path.join(dir, 'prompts'), 'fix', { task, comments });
    expect(custom).toContain('Only these:\n# Comments from a person');
  });

  it('built-in: carries the task, the plan as given and feedback; nothing added for test doubles', async () => {
    const dir = await tempDir();
    const prompt = await buildPrompt(dir, 'implementation', { task, plan: '1. EDITED BY HAND', feedback: null });
    expect(prompt.split('\n')[0]).toBe(
      "Implement this plan in the repository (your working directory is the task's git worktree).",
    );
    expect(prompt).toContain('# Task: Add a flag');
    expect(prompt).not.toMatch(/Studio-/);
    expect(prompt).toContain('1. EDITED BY HAND');
    expect(prompt).toContain('A --verbose flag.');
    const replan = await buildPrompt(dir, 'planning', { task, feedback: 'cover the CLI too' });
    expect(replan).toMatch(/Feedback from a person[\s\S]*cover the CLI too/);
    expect(await buildPrompt(dir, 'review', { task, diff: 'THE DIFF' })).toMatch(
      /THE DIFF[\s\S]*VERDICT: APPROVED\nVERDICT: CHANGES_REQUESTED$/,
    );
  });

  it('.opencode-studio/prompts/<phase>.md overrides the built-in one, with the same placeholders', async () => {
    const dir = await tempDir();
    await fs.writeFile(
      path.join(dir, 'fix.md'),
      'Our own fix prompt for {{title}} ({{id}}), round {{iteration}}.\n{{review}}\n{{unknown}}',
    );
    const prompt = await buildPrompt(dir, 'fix', { task, review: 'Needs tests.' });
    expect(prompt).toContain('Our own fix prompt for Add a flag (add-flag-abc123), round 1.\nNeeds tests.\n{{unknown}}');
    expect(prompt.startsWith('Our own fix prompt')).toBe(true);
    expect(await buildPrompt(dir, 'planning', { task })).toContain('You are planning a change');
  });

  it('truncates a large diff for review, with a note', () => {
    const big = 'x'.repeat(MAX_REVIEW_DIFF_CHARS + 10);
    expect(diffForReview(big, false)).toMatch(/\[diff truncated: \d+ characters in all/);
    expect(diffForReview('', false)).toBe('(the branch has no changes)');
    expect(diffForReview('+a', true)).toMatch(/truncated/);
  });
});

describe('verdict', () => {
  it.each([
    ['Looks good.\n\nVERDICT: APPROVED', 'approved'],
    ['Fix the test.\nVERDICT: CHANGES_REQUESTED\n\n', 'changes_requested'],
    ['**VERDICT: APPROVED**', 'approved'],
    ['verdict: approved', 'approved'],
    ['VERDICT: APPROVED\nbut one more thing', 'unclear'],
    ['I think it is fine', 'unclear'],
    ['', 'unclear'],
  ])('%j -> %s', (text, verdict) => {
    expect(parseVerdict(text)).toBe(verdict);
  });
});
