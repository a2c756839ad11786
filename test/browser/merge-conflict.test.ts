import fs from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { startStudio } from '../helpers/studio.js';
import { markersClash, readTaskFile, sameFieldClash, unmerged } from '../helpers/team.js';
import { waitFor } from '../helpers/wait.js';
import { useBoardBrowser } from './board-session.js';
import { screenshot } from './browser.js';

const session = useBoardBrowser();

describe('merge conflicts on the board (headless Chromium)', () => {
  it('a clashing field shows a Merge conflict badge; the drawer shows base and both sides; a click resolves and stages it', async () => {
    const { bo, id } = await sameFieldClash();
    const { page } = await session.open(bo.studio);
    const card = page.locator(`[data-task-id="${id}"]`);
    await card.getByTestId('conflict-badge').waitFor();
    expect(await card.getByTestId('conflict-badge').textContent()).toBe('Merge conflict');
    await card.click();
    const panel = page.getByTestId('conflict-panel');
    await panel.waitFor();
    const field = panel.locator('[data-field="title"]');
    expect(await field.locator('.conflict-base').textContent()).toBe('base: Fix login');
    expect(await field.locator('[data-side="ours"]').textContent()).toBe('Keep ours: Bo’s title');
    expect(await field.locator('[data-side="theirs"]').textContent()).toBe('Take theirs: Ana’s title');
    const start = page.getByTestId('task-actions').getByRole('button', { name: 'Start' });
    expect(await start.count(), 'no agent action while conflicted').toBe(0);
    await screenshot(page, 'merge-conflict-drawer');
    await field.locator('[data-side="theirs"]').click();
    await panel.waitFor({ state: 'detached' });
    await card.getByTestId('conflict-badge').waitFor({ state: 'detached' });
    expect(await page.getByTestId('drawer-title').textContent()).toBe('Ana’s title');
    await start.waitFor();
    const file = JSON.parse(await readTaskFile(bo.root, id));
    expect(file.title).toBe('Ana’s title');
    expect(file.conflict).toBeUndefined();
    expect(unmerged(bo.root)).toBe('');
  });

  it('git’s conflict markers from a clone without the driver are named a merge conflict in the banner, with both titles', async () => {
    const { id, carl, file } = await markersClash();
    const studio = await startStudio({ root: carl });
    const { page } = await session.open(studio.studio);
    const banner = page.locator('[data-testid="problem-banner"]', { hasText: 'Merge conflict' });
    await banner.waitFor();
    const text = await banner.textContent();
    expect(text).toContain(`Merge conflict in .opencode-studio/tasks/${id}.json`);
    expect(text).toContain('ours is "Carl’s title", theirs is "Ana’s title"');
    expect(text).not.toContain('not valid JSON');
    await page.locator(`[data-task-id="${id}"]`).getByTestId('conflict-badge').waitFor();
    await screenshot(page, 'merge-conflict-banner');
    await page.locator(`[data-task-id="${id}"]`).click();
    await page.getByTestId('conflict-panel').locator('[data-field="title"] [data-side="ours"]').click();
    await banner.waitFor({ state: 'detached' });
    await waitFor(async () => !(await fs.readFile(file, 'utf8')).includes('<<<<<<<'), 'the markers gone from the file');
    expect(JSON.parse(await fs.readFile(file, 'utf8')).title).toBe('Carl’s title');
  });
});
