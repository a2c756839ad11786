import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { Responder } from '../../server/demo/scripted-model.js';
import type { Task } from '../../shared/task.js';
import { fastDemoResponder, startAgentStudio, stopModels } from '../helpers/agent-studio.js';
import { waitFor } from '../helpers/wait.js';
import { useBoardBrowser } from './board-session.js';
import { cardNamed, screenshot } from './browser.js';

const session = useBoardBrowser(stopModels);

const WRITTEN_BY = 'Written by the OpenCode Studio demo model.';

/** The demo model, except that a fix carrying the first comment rewrites the commented line (line 3 of the notes). */
const responder: Responder = async (req) => {
  if (!req.isTitleRequest && req.hasTools && req.userText.includes('COMMENT-ONE')) {
    const file = /`(notes\/[^`]+\.md)`/.exec(req.allUserText)?.[1] ?? /(notes\/\S+\.md):3/.exec(req.userText)?.[1];
    if (req.toolResults.length === 0 && file)
      return {
        toolCalls: [
          { name: 'edit', args: { filePath: file, oldString: WRITTEN_BY, newString: 'Written by a person’s request.' } },
        ],
      };
    return { text: 'Rewrote line 3 as the comment asked.' };
  }
  return fastDemoResponder(req);
};

type Client = Awaited<ReturnType<typeof startAgentStudio>>['client'];
async function settle(client: Client, id: string, status: Task['status']): Promise<Task> {
  return waitFor(
    async () => {
      const { task } = await client.tasks.get.query({ id });
      if (task.run?.state === 'failed') throw new Error(`task failed: ${task.error}`);
      return task.status === status && !task.run ? task : null;
    },
    `the task to settle in ${status}`,
    120_000,
  );
}

async function comment(page: Page, place: string, body: string) {
  const line = place.split(':').at(-1);
  await page
    .getByTestId('diff')
    .getByRole('button', { name: `Comment on line ${line}`, exact: true })
    .click();
  await page.getByRole('textbox', { name: `Comment on ${place}` }).fill(body);
  await page.getByRole('button', { name: 'Add comment' }).click();
  await page.getByTestId('comment-composer').waitFor({ state: 'detached' });
}

describe('review comments on diff lines, with a real OpenCode and the scripted model', { timeout: 300_000 }, () => {
  it('a comment made on a diff line reaches the fix prompt; after the fix the changed line’s comment is outdated, the other open', async () => {
    const { studio, client, model } = await startAgentStudio({ responder });
    await waitFor(async () => (await client.project.info.query()).opencode.state === 'ready', 'OpenCode ready', 60_000);
    // The demo's first review asks for changes; with no AI rounds the task goes to a person at once.
    await client.config.update.mutate({ maxReviewIterations: 0 });
    const task = await client.tasks.create.mutate({ title: 'Write release notes' });
    await client.tasks.start.mutate({ id: task.id });
    await settle(client, task.id, 'plan_review');
    await client.tasks.approvePlan.mutate({ id: task.id });
    await settle(client, task.id, 'review');

    const { page } = await session.open(studio, { width: 1400, height: 900 });
    await cardNamed(page, 'Write release notes').click();
    await page.getByRole('tab', { name: 'Changes' }).click();
    const notes = `notes/${task.id}.md`;
    await page.getByTestId('diff').getByText(WRITTEN_BY).waitFor();
    await comment(page, `${notes}:3`, 'COMMENT-ONE: say who asked for these notes.');
    await comment(page, `${notes}:7`, 'COMMENT-TWO: keep this step.');
    expect(await page.getByTestId('diff-comment').count(), 'both comments show under their lines').toBe(2);
    await screenshot(page, 'drawer-review-comments');

    await page.getByRole('button', { name: 'Request changes (2 comments)' }).click();
    await waitFor(async () => (await client.tasks.get.query({ id: task.id })).task.status !== 'review', 'the fix to start');
    await settle(client, task.id, 'review');

    const fix = model.requests.find((r) => r.userText.includes('COMMENT-ONE'));
    expect(fix?.userText).toContain(`## ${notes}:3\n> ${WRITTEN_BY}\n\nCOMMENT-ONE: say who asked for these notes.`);
    expect(fix?.userText).toContain(`## ${notes}:7\n> - Review these notes.\n\nCOMMENT-TWO: keep this step.`);

    const list = page.getByTestId('comment');
    await list.filter({ hasText: 'COMMENT-ONE' }).and(page.locator('[data-status="outdated"]')).waitFor({ timeout: 30_000 });
    expect(await list.filter({ hasText: 'COMMENT-TWO' }).getAttribute('data-status')).toBe('open');
    expect(await list.filter({ hasText: 'COMMENT-ONE' }).locator('.comment-quote').textContent()).toBe(WRITTEN_BY);
    await screenshot(page, 'drawer-review-comments-after-fix');

    // A person resolves the one that is done.
    await list.filter({ hasText: 'COMMENT-TWO' }).getByRole('button', { name: 'Resolve' }).click();
    await list.filter({ hasText: 'COMMENT-TWO' }).and(page.locator('[data-status="resolved"]')).waitFor();
    const stored = await client.comments.list.query({ id: task.id });
    expect(stored.map((c) => c.status).sort()).toEqual(['outdated', 'resolved']);
  });
});
