import fs from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { ActivityEntry } from '../../shared/activity.js';
import { useBoardBrowser } from './board-session.js';
import { type BoardPage, cardNamed, type openBoard, ROOT, screenshot } from './browser.js';
import { showcase } from './fixtures.js';

const session = useBoardBrowser();

const at = new Date().toISOString();

const open = (studio: { openUrl: string }, options?: Parameters<typeof openBoard>[2]): Promise<BoardPage> =>
  session.open(studio, options);

const card = (page: Page, title: string) => cardNamed(page, title);

describe('cards and the task drawer', () => {
  it('cards show live work, queued and failed runs, review iterations and usage (screenshots at 1280 and 390 px)', async () => {
    const { studio } = await showcase();
    const { page } = await open(studio);
    await card(page, 'Follow the system theme').waitFor();
    const live = card(page, 'Add a dark mode toggle to the settings page');
    expect(await live.getByTestId('run-state').textContent()).toBe('editing src/theme.ts');
    expect(await live.textContent()).toContain('48k tok · $0.31');
    expect(await card(page, 'Split the settings page into sections').getByTestId('run-state').textContent()).toBe('Queued');
    expect(await card(page, 'Migrate to the new OpenCode SDK').getByTestId('run-state').textContent()).toBe('Failed');
    const review = await card(page, 'Follow the system theme').textContent();
    expect(review).toContain('review round 2');
    expect(review).toContain('approved');
    const counts = await page.locator('[data-column] [data-testid="count"]').allInnerTexts();
    expect(counts).toEqual(['3', '1', '1', '3', '1', '1', '1']);

    await page.evaluate(() => document.fonts.ready);
    const board = await screenshot(page, 'board');
    await fs.mkdir(path.join(ROOT, 'docs'), { recursive: true });
    await fs.copyFile(board, path.join(ROOT, 'docs/screenshot-board.png'));

    const dark = await open(studio, { colorScheme: 'dark' });
    await card(dark.page, 'Follow the system theme').waitFor();
    await screenshot(dark.page, 'board-dark');
    const phone = await open(studio, { width: 390, height: 844 });
    await card(phone.page, 'Add a keyboard shortcut help panel').waitFor();
    await screenshot(phone.page, 'board-390');
    expect(await phone.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  });

  it("the Changes tab of a task in review lists the files with counts and shows the branch's diff, coloured", async () => {
    const { studio, byTitle } = await showcase();
    const task = byTitle('Follow the system theme');
    const { page } = await open(studio, { path: `/tasks/${task.id}/changes` });
    const files = page.getByTestId('diff-files').locator('li');
    await files.first().waitFor();
    expect(await files.allInnerTexts()).toEqual([
      expect.stringMatching(/^M\s*src\/app\.ts\s*\+4\s*−1$/),
      expect.stringMatching(/^D\s*src\/legacy-colors\.ts\s*\+0\s*−1$/),
      expect.stringMatching(/^A\s*src\/theme\.ts\s*\+14\s*−0$/),
      expect.stringMatching(/^M\s*styles\.css\s*\+5\s*−0$/),
    ]);
    const diff = page.getByTestId('diff');
    expect(await diff.locator('.dr-add').count()).toBeGreaterThan(10);
    expect(await diff.locator('.dr-del .code').first().textContent()).toContain("render(root, { title: 'Sample' });");
    expect(await diff.locator('.dr-add .tok-kw', { hasText: 'export' }).count()).toBeGreaterThan(0);
    expect(await diff.locator('.dr-add .tok-str').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('changes').textContent()).toContain('4 files changed');

    await page.getByRole('button', { name: /styles\.css/ }).click();
    await page.waitForFunction(() => (document.querySelector('[data-testid="diff"]')?.scrollTop ?? 0) > 0);
    await page.getByRole('tab', { name: 'Changes' }).focus();
    await screenshot(page, 'drawer');
  });

  it('a merge makes the shown diff read-only at once, before its reload comes', async () => {
    const { studio, byTitle } = await showcase();
    const task = byTitle('Follow the system theme');
    const { page } = await open(studio, { path: `/tasks/${task.id}/changes` });
    await page.locator('.ln-pick').first().waitFor();
    // The diff of the merge is asked for and held: the rows on screen stay those of the branch.
    await page.route(/tasks\.diff/, () => {});
    await studio.services.store.tasks.patch(task.id, { status: 'done', mergeCommit: 'a'.repeat(40) });
    await page.getByTestId('merged-note').waitFor();
    expect(await page.locator('.ln-pick').count(), 'no line offers a comment on a merged task').toBe(0);
  });

  it('the Activity tab shows messages, tool calls with status and duration, and errors, and follows the agent live', async () => {
    const log = new Map<string, ActivityEntry[]>();
    const { studio, byTitle } = await showcase(log);
    const task = byTitle('Add a dark mode toggle to the settings page');
    log.set(task.id, [
      { kind: 'phase', at, phase: 'implementation', state: 'started' },
      { kind: 'text', at, phase: 'implementation', partId: 'p1', text: 'I will add a **theme** module first.' },
      {
        kind: 'tool',
        at,
        phase: 'implementation',
        partId: 't1',
        tool: 'read',
        title: 'src/app.ts',
        state: 'running',
        durationMs: null,
      },
      {
        kind: 'tool',
        at,
        phase: 'implementation',
        partId: 't1',
        tool: 'read',
        title: 'src/app.ts',
        state: 'completed',
        durationMs: 1_250,
      },
      { kind: 'step', at, phase: 'implementation', tokens: 2_300, cost: 0.01 },
    ]);
    const { page } = await open(studio, { path: `/tasks/${task.id}/activity` });
    const tools = page.getByTestId('activity-tool');
    await tools.first().waitFor();
    expect(await tools.count(), 'one row per tool call, not per state change').toBe(1);
    expect(await tools.first().textContent()).toMatch(/read\s*src\/app\.ts\s*1\.3 s/);
    expect(await page.getByTestId('activity').textContent()).toContain('I will add a theme module first.');

    const bus = studio.services.bus;
    const tool = { kind: 'tool', at, phase: 'implementation', partId: 't2', tool: 'edit', title: 'src/theme.ts' } as const;
    bus.emit({ type: 'activity.appended', taskId: task.id, entries: [{ ...tool, state: 'running', durationMs: null }] });
    await page.locator('.tool-running', { hasText: 'src/theme.ts' }).waitFor();
    bus.emit({ type: 'activity.appended', taskId: task.id, entries: [{ ...tool, state: 'completed', durationMs: 420 }] });
    await page.locator('.tool-completed', { hasText: 'src/theme.ts' }).waitFor();
    bus.emit({
      type: 'activity.appended',
      taskId: task.id,
      entries: [{ kind: 'error', at, phase: 'implementation', message: 'rate limited' }],
    });
    await page.getByTestId('activity').getByRole('alert').filter({ hasText: 'rate limited' }).waitFor();
    expect(await tools.count()).toBe(2);
    await screenshot(page, 'drawer-activity');
  });

  it('the Review tab shows the verdict; the actions fit the task; a refused action says why', async () => {
    const { studio, byTitle } = await showcase();
    const review = byTitle('Follow the system theme');
    await studio.services.store.reviews.write(review.id, '## Review\n\nThe toggle works and is tested.\n\nVERDICT: APPROVED\n');
    const { page, allow } = await open(studio, { path: `/tasks/${review.id}/review` });
    allow(/status of 412 \(Precondition Failed\)/);
    await page.getByTestId('verdict').filter({ hasText: 'Approved' }).waitFor();
    expect(await page.locator('.markdown').textContent()).toContain('The toggle works and is tested.');
    const actions = page.getByTestId('task-actions');
    expect(await actions.getByRole('button').allInnerTexts()).toEqual(['Merge', 'Request changes', 'Update from main', 'Delete']);

    await actions.getByRole('button', { name: 'Request changes' }).click();
    await page.getByLabel('Feedback for the agent').fill('Keep the old colours as a fallback.');
    await page.getByRole('button', { name: 'Send feedback' }).click();
    await page.getByTestId('toast').filter({ hasText: 'Requesting changes on "Follow the system theme" failed' }).waitFor();

    const expectActions = async (title: string, buttons: string[]) => {
      await card(page, title).click();
      await page.getByTestId('drawer-title').filter({ hasText: title }).waitFor();
      expect(await actions.getByRole('button').allInnerTexts(), title).toEqual(buttons);
    };
    await expectActions('Add a keyboard shortcut help panel', ['Start', 'Delete']);
    await expectActions('Export the board as CSV', ['Approve plan', 'Request changes', 'Delete']);
    await expectActions('Migrate to the new OpenCode SDK', ['Retry', 'Delete']);
    await expectActions('Split the settings page into sections', ['Abort', 'Delete']);

    await actions.getByRole('button', { name: 'Abort' }).click();
    await page.getByTestId('toast').filter({ hasText: 'Aborting "Split the settings page into sections" failed' }).waitFor();
    await actions.getByRole('button', { name: 'Delete' }).click();
    await actions.getByRole('button', { name: 'Confirm delete' }).click();
    await page.getByTestId('drawer').waitFor({ state: 'detached' });
    await card(page, 'Split the settings page into sections').waitFor({ state: 'detached' });
  });
});
