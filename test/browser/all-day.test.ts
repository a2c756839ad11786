import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { ScriptedModel } from '../../server/demo/scripted-model.js';
import { createStudioServer } from '../../server/index.js';
import { startAgentStudio, stopModels } from '../helpers/agent-studio.js';
import { startStudio } from '../helpers/studio.js';
import { tempDir, tempRepo } from '../helpers/temp-repo.js';
import { waitFor } from '../helpers/wait.js';
import { useBoardBrowser } from './board-session.js';
import { cardNamed, screenshot } from './browser.js';
import { seedBoard } from './fixtures.js';

const session = useBoardBrowser(stopModels);

/** Whether the page scrolls sideways (the board's own columns scroll inside it, never the page). */
const pageOverflows = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);

const columnHeadersInView = (page: Page) =>
  page.locator('[data-column] h2').evaluateAll(
    (els) =>
      els.filter((el) => {
        const r = el.getBoundingClientRect();
        return r.left >= 0 && r.right <= window.innerWidth && r.width > 0;
      }).length,
  );

describe('a board a person keeps open all day', () => {
  it('two open tabs come back by themselves after the studio restarts (same token), and catch up', async () => {
    const root = await tempRepo();
    const keepToken = { stateHome: await tempDir('studio-state-') };
    const first = await createStudioServer({ root, port: 0, keepToken });
    await first.services.store.tasks.create({ title: 'Before the restart' });
    const tabs = [await session.open(first), await session.open(first)];
    // Live first: the card comes with the snapshot (HTTP), the socket may still be opening, and a
    // tab that never went live says "Connecting…", not that the studio went away.
    for (const { page } of tabs) {
      await cardNamed(page, 'Before the restart').waitFor();
      await page.getByTestId('connection').waitFor({ state: 'detached' });
    }
    await first.close();
    for (const tab of tabs) {
      tab.allow(/WebSocket|ERR_CONNECTION_REFUSED|Failed to load resource/);
      await tab.page.getByTestId('outage').waitFor({ timeout: 30_000 });
      expect(await tab.page.getByTestId('new-task').isDisabled(), 'actions are off while the studio is down').toBe(true);
    }
    // The next run: same checkout, same kept token, same port; nobody touches a terminal or the tabs.
    const second = await startStudio({ root, port: first.port, keepToken });
    expect(second.studio.token).toBe(first.token);
    await second.client.tasks.create.mutate({ title: 'After the restart' });
    for (const { page } of tabs) {
      await page.getByTestId('outage').waitFor({ state: 'detached', timeout: 60_000 });
      await cardNamed(page, 'After the restart').waitFor({ timeout: 30_000 });
      expect(await page.getByTestId('no-token').count()).toBe(0);
      expect(await page.getByTestId('new-task').isEnabled()).toBe(true);
    }
  }, 180_000);

  it('with no reachable model: the header says so, the task fails at once naming the fix, and needs you', async () => {
    const dead = { baseUrl: 'http://127.0.0.1:9/v1', requests: [], close: async () => {} } as unknown as ScriptedModel;
    const { studio, client } = await startAgentStudio({ model: dead });
    const { page } = await session.open(studio, { width: 1440, height: 900 });
    await page.getByTestId('opencode-status').filter({ hasText: 'OpenCode up' }).waitFor({ timeout: 60_000 });
    const task = await client.tasks.create.mutate({ title: 'Add a health check' });
    await cardNamed(page, task.title).waitFor();
    expect(await page.getByTestId('needs-you').innerText()).toMatch(/^0/);
    await client.tasks.start.mutate({ id: task.id });
    await page.getByTestId('model-status').filter({ hasText: 'Model unreachable' }).waitFor({ timeout: 30_000 });
    const banner = page.getByTestId('model-banner');
    expect(await banner.getAttribute('data-reason')).toBe('model-unreachable');
    expect(await banner.innerText()).toMatch(/Check the network/);
    expect(await page.getByTestId('opencode-status').innerText()).toBe('OpenCode up');
    const failed = cardNamed(page, task.title);
    await page
      .locator('[data-column="planning"]')
      .getByRole('article', { name: /, failed, needs you$/ })
      .waitFor();
    expect(await failed.getAttribute('aria-label')).toBe('Add a health check, Planning, failed, needs you');
    expect(await page.getByTestId('needs-you').innerText()).toMatch(/^1/);
    expect((await client.tasks.get.query({ id: task.id })).task.errorReason).toBe('model-unreachable');
  }, 180_000);

  it('fits the screen: all seven columns at 1440×900 (screenshot), no page overflow at 1280 and 390 px', async () => {
    const { studio } = await startStudio();
    await seedBoard(studio);
    for (const colorScheme of ['light', 'dark'] as const) {
      const { page } = await session.open(studio, { width: 1440, height: 900, colorScheme });
      await cardNamed(page, 'Follow the system theme').waitFor();
      expect(await columnHeadersInView(page)).toBe(7);
      expect(await page.getByTestId('board').evaluate((b) => b.scrollWidth <= b.clientWidth)).toBe(true);
      await page.evaluate(() => document.fonts.ready);
      await screenshot(page, `board-1440-${colorScheme}`);
      // The drawer sits beside the board: the opened card stays in view.
      await cardNamed(page, 'Follow the system theme').click();
      await page.getByTestId('drawer').waitFor();
      await waitFor(
        () =>
          cardNamed(page, 'Follow the system theme').evaluate((el) => {
            const r = el.getBoundingClientRect();
            const drawer = document.querySelector('[data-testid="drawer"]')!.getBoundingClientRect();
            return r.left >= 0 && r.right <= drawer.left;
          }),
        'the opened card beside the drawer',
      );
      await screenshot(page, `board-1440-drawer-${colorScheme}`);
    }
    for (const size of [
      { width: 1280, height: 800 },
      { width: 390, height: 844 },
    ]) {
      const { page } = await session.open(studio, size);
      await cardNamed(page, 'Add a keyboard shortcut help panel').waitFor();
      expect(await pageOverflows(page), `${size.width} px`).toBe(false);
      if (size.width === 1280) expect(await columnHeadersInView(page)).toBe(7);
      // Settings: Save is in view without scrolling the dialog.
      await page.getByRole('button', { name: 'Settings' }).click();
      const save = page.getByRole('dialog', { name: 'Settings' }).getByRole('button', { name: 'Save' });
      await save.waitFor();
      expect(
        await save.evaluate((el) => {
          const r = el.getBoundingClientRect();
          return r.top >= 0 && r.bottom <= window.innerHeight;
        }),
        `Save in view at ${size.width} px`,
      ).toBe(true);
      await page.keyboard.press('Escape');
      const repo = page.getByTestId('repo-name');
      expect(await repo.evaluate((el) => el.scrollWidth <= el.clientWidth), 'the repo name is not cut').toBe(true);
      await cardNamed(page, 'Follow the system theme').click();
      const tabs = page.getByRole('tablist');
      expect(await tabs.evaluate((el) => el.scrollWidth <= el.clientWidth + 1), `tabs fit at ${size.width} px`).toBe(true);
      expect(await pageOverflows(page)).toBe(false);
      await screenshot(page, `board-${size.width}-drawer`);
    }
  }, 180_000);

  it('keyboard only: create, start (asks first), approve, a line comment that types an "n", merge (asks, names it)', async () => {
    const { studio, client } = await startAgentStudio();
    const { page } = await session.open(studio, { width: 1440, height: 900 });
    const key = (k: string) => page.keyboard.press(k);
    await page.getByTestId('opencode-status').filter({ hasText: 'OpenCode up' }).waitFor({ timeout: 60_000 });
    await key('?');
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
    await key('Escape');
    await key('n');
    await page.keyboard.type('Write release notes');
    await key('Enter');
    const card = cardNamed(page, 'Write release notes');
    await card.waitFor();
    await card.focus();
    // Alt+→ would start the agent: it asks first, and Esc leaves the card where it was.
    await key('Alt+ArrowRight');
    await page.getByRole('dialog', { name: 'Start the agent?' }).waitFor();
    await key('Escape');
    expect(await page.locator('[data-column="todo"]').getByRole('article').count()).toBe(1);
    await card.focus();
    await key('Alt+ArrowRight');
    await page.getByRole('dialog', { name: 'Start the agent?' }).getByRole('button', { name: 'Start' }).focus();
    await key('Enter');
    await page.locator('[data-column="plan_review"]').getByRole('article').waitFor({ timeout: 90_000 });
    await card.focus();
    await key('Alt+ArrowRight');
    await page.getByRole('dialog', { name: 'Approve the plan?' }).getByRole('button', { name: 'Approve plan' }).focus();
    await key('Enter');
    await page
      .locator('[data-column="review"]')
      .getByRole('article', { name: /Write release notes/ })
      .waitFor({ timeout: 120_000 });

    // Enter opens the drawer with focus inside it; the Changes tab by arrow keys.
    await card.focus();
    await key('Enter');
    await page.getByTestId('drawer-title').waitFor();
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('drawer-title');
    await page.getByRole('tab', { name: 'Description' }).focus();
    for (let i = 0; i < 4; i++) await key('ArrowRight');
    await page.getByRole('tabpanel', { name: 'Changes' }).getByTestId('diff').waitFor();
    // Tab reaches the first line's "+" (visible on focus); Enter opens the box right under the line, focused.
    await page.locator('.ln-pick').first().focus();
    expect(
      await page
        .locator('.ln-pick')
        .first()
        .evaluate((el) => getComputedStyle(el).opacity),
    ).toBe('1');
    await key('Enter');
    const composer = page.getByTestId('comment-composer');
    await composer.waitFor();
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('TEXTAREA');
    expect(
      await composer.evaluate((el) => el.closest('.dr-composer')?.previousElementSibling?.classList.contains('picked')),
    ).toBe(true);
    await page.keyboard.type('Mention the new flag in the notes');
    expect(await page.getByRole('dialog').count(), 'no shortcut fired while typing').toBe(0);
    await key('Tab');
    await key('Tab');
    await key('Enter');
    await page.getByTestId('diff-comment').waitFor();

    // Merge asks first and names the open comment.
    await page.getByRole('button', { name: 'Merge', exact: true }).focus();
    await key('Enter');
    const ask = page.getByRole('dialog', { name: 'Merge with open comments?' });
    await ask.waitFor();
    expect(await ask.getByTestId('confirm-items').innerText()).toContain('Mention the new flag in the notes');
    await ask.getByRole('button', { name: 'Merge anyway' }).focus();
    await key('Enter');
    await page
      .locator('[data-column="done"]')
      .getByRole('article', { name: /Write release notes/ })
      .waitFor({ timeout: 30_000 });
    // After the merge the diff and its comment are still there, read-only.
    await page.getByTestId('merged-note').waitFor();
    await page.getByTestId('diff-comment').waitFor();
    expect(await page.locator('.ln-pick').count()).toBe(0);
    expect(await page.getByTestId('comment').getByRole('button', { name: 'Resolve' }).count()).toBe(0);
    const [task] = await client.tasks.list.query();
    expect(task!.mergeCommit).toMatch(/^[0-9a-f]{40}$/);
    // Esc closes the drawer and gives focus back to the card.
    await key('Escape');
    await page.getByTestId('drawer').waitFor({ state: 'detached' });
    await waitFor(
      () => page.evaluate(() => document.activeElement?.getAttribute('aria-label')?.startsWith('Write release notes') ?? false),
      'focus back on the card',
    );
  }, 300_000);
});
