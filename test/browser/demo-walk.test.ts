import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { TaskStatus } from '../../shared/task.js';
import { startAgentStudio, stopModels } from '../helpers/agent-studio.js';
import { waitFor } from '../helpers/wait.js';
import { useBoardBrowser } from './board-session.js';
import { cardNamed, dragCard } from './browser.js';

const session = useBoardBrowser(stopModels);

const TITLE = 'Write a contributing guide';
const card = (page: Page) => cardNamed(page, TITLE);

async function centre(locator: ReturnType<Page['locator']>) {
  const box = await locator.boundingBox();
  if (!box) throw new Error('element is not visible');
  return { x: box.x + box.width / 2, y: box.y + Math.min(box.height / 2, 60) };
}

/** Opens the card's drawer and shows every tab, as a person looking around would. */
async function lookAround(page: Page) {
  await card(page).click();
  for (const tab of ['Description', 'Plan', 'Activity', 'Review', 'Changes']) {
    await page.getByRole('tab', { name: tab }).click();
    await page.waitForTimeout(300);
  }
  await page.keyboard.press('Escape');
}

async function waitColumn(page: Page, status: TaskStatus, timeout: number) {
  await cardNamed(page.locator(`[data-column="${status}"]`), TITLE).waitFor({ timeout });
}

describe('a walk through the demo, as README tells it', { timeout: 240_000 }, () => {
  it('answers no request of the board with a 4xx or 5xx, and logs no error', async () => {
    const { studio, client } = await startAgentStudio();
    const task = await client.tasks.create.mutate({ title: TITLE, description: 'How to set up and send a change.' });
    const board = await session.open(studio, { width: 1600, height: 900 });
    const { page } = board;
    const failed: string[] = [];
    page.on('response', (res) => {
      if (res.status() >= 400) failed.push(`${res.status()} ${res.request().method()} ${new URL(res.url()).pathname}`);
    });
    await page.getByTestId('opencode-status').filter({ hasText: 'OpenCode up' }).waitFor({ timeout: 120_000 });

    await lookAround(page);
    await dragCard(page, await centre(card(page)), await centre(page.getByTestId('column-planning')));
    await waitColumn(page, 'plan_review', 90_000);
    await lookAround(page);
    await dragCard(page, await centre(card(page)), await centre(page.getByTestId('column-in_progress')));
    await waitColumn(page, 'review', 150_000);
    await lookAround(page);
    await page.getByTestId('board').evaluate((el) => {
      el.scrollLeft = el.scrollWidth;
    });
    await dragCard(page, await centre(card(page)), await centre(page.getByTestId('column-done')));
    await waitColumn(page, 'done', 30_000);
    await waitFor(async () => (await client.tasks.get.query({ id: task.id })).task.status === 'done', 'the merge', 30_000);
    await lookAround(page);

    expect(failed).toEqual([]);
    // The board's console errors fail the test too (useBoardBrowser); Chromium logs each 4xx/5xx there.
  });
});
