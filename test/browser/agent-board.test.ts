import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { TaskStatus } from '../../shared/task.js';
import { startAgentStudio, stopModels } from '../helpers/agent-studio.js';
import { waitFor } from '../helpers/wait.js';
import { useBoardBrowser } from './board-session.js';
import { cardNamed, dragCard, screenshot } from './browser.js';

const session = useBoardBrowser(stopModels);

const card = (page: Page, title: string) => cardNamed(page, title);

async function centre(locator: ReturnType<Page['locator']>) {
  const box = await locator.boundingBox();
  if (!box) throw new Error('element is not visible');
  return { x: box.x + box.width / 2, y: box.y + Math.min(box.height / 2, 60) };
}

/** Waits for the card to show in a column; scrolls the board so that column is on screen. */
async function cardIn(page: Page, title: string, status: TaskStatus, timeout: number) {
  const located = cardNamed(page.locator(`[data-column="${status}"]`), title);
  await located.waitFor({ timeout });
  await located.scrollIntoViewIfNeeded();
  return located;
}

describe('the board drives a real OpenCode with the scripted model', { timeout: 180_000 }, () => {
  it('Todo -> Planning starts the task, the card moves on as the agent works, and the drawer shows its activity, diff and review', async () => {
    const { studio, client } = await startAgentStudio();
    const task = await client.tasks.create.mutate({ title: 'Write release notes', description: 'Summarise the release.' });
    const board = await session.open(studio, { width: 1600, height: 900 });
    const { page } = board;
    await page.getByTestId('opencode-status').filter({ hasText: 'OpenCode up' }).waitFor({ timeout: 60_000 });

    await dragCard(page, await centre(card(page, 'Write release notes')), await centre(page.getByTestId('column-planning')));
    await cardIn(page, 'Write release notes', 'plan_review', 60_000);
    await card(page, 'Write release notes').click();
    await page.getByRole('tab', { name: 'Plan' }).click();
    await page.locator('.markdown h2', { hasText: 'Plan' }).waitFor();

    // Approving by drag: Plan review -> In progress.
    await page.keyboard.press('Escape');
    const inProgress = page.getByTestId('column-in_progress');
    await dragCard(page, await centre(card(page, 'Write release notes')), await centre(inProgress));
    const seen = new Set<string>();
    await waitFor(
      async () => {
        const column = await page
          .locator('[data-column]', { has: card(page, 'Write release notes') })
          .getAttribute('data-column')
          .catch(() => null);
        if (column) seen.add(column);
        return column === 'review';
      },
      'the card to reach Review',
      120_000,
    );
    expect([...seen], 'the card went through the AI review on its way').toContain('ai_review');

    await card(page, 'Write release notes').click();
    await page.getByRole('tab', { name: 'Activity' }).click();
    await page.getByTestId('activity-tool').filter({ hasText: 'write' }).first().waitFor();
    expect(await page.locator('.tool-completed').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('activity').textContent()).toMatch(/Implementation started/i);

    await page.getByRole('tab', { name: 'Review' }).click();
    await page.getByTestId('verdict').filter({ hasText: 'Approved' }).waitFor();

    await page.getByRole('tab', { name: 'Changes' }).click();
    await page.getByTestId('diff-files').getByText(`notes/${task.id}.md`).waitFor();
    expect(await page.getByTestId('diff').locator('.dr-add').count()).toBeGreaterThan(0);
    await screenshot(page, 'drawer-agent-changes');

    // Review -> Done merges.
    await page.keyboard.press('Escape');
    await page.getByTestId('board').evaluate((el) => {
      el.scrollLeft = el.scrollWidth;
    });
    await dragCard(page, await centre(card(page, 'Write release notes')), await centre(page.getByTestId('column-done')));
    await cardIn(page, 'Write release notes', 'done', 30_000);
    await waitFor(async () => (await client.tasks.get.query({ id: task.id })).task.status === 'done', 'the merge', 30_000);
    await page.waitForTimeout(300);
    expect(await page.locator('[data-column="done"]').getByRole('article').count(), 'the card stays in Done').toBe(1);
  });
});
