import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTempDirs } from '../helpers/temp-repo.js';
import { BUDGETS, bundleSize, measureActivity, measureBoard, measureDiff, measureDrop } from './board-bench.js';
import { launchBrowser } from './browser.js';

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await removeTempDirs();
});

// Timings are printed here and judged in `npm run bench`; tests only assert what does not depend on the machine's load.
describe('the board stays light', () => {
  it(`ships under ${BUDGETS.bundleGzipKb} KB of gzipped JavaScript`, async () => {
    const size = await bundleSize();
    console.log(`board bundle: ${size.files} script(s), ${(size.gzipBytes / 1024).toFixed(1)} KB gzipped`);
    expect(size.gzipBytes).toBeLessThan(BUDGETS.bundleGzipKb * 1024);
  });

  it('renders 2,000 tasks with long columns windowed', async () => {
    const figures = await measureBoard(browser, 2_000);
    console.log('2,000 tasks:', figures);
    expect(figures.cardsInDom, 'only the visible part of each column is in the DOM').toBeLessThan(300);
  });

  it('drops a dragged card where the pointer let go on a 2,000-task board, and the server keeps it there', async () => {
    const drop = await measureDrop(browser, 2_000);
    console.log('drop on 2,000 tasks:', { dropMs: drop.dropMs, longestFrame: Math.max(...drop.frameGaps) });
    expect(drop.landedAt, 'the card is drawn below the sixth card at once').toBe(5);
    expect(drop.serverIndex, 'tasks.list has it there too').toBe(5);
    expect(drop.frameGaps.length, 'frames were recorded during the drag').toBeGreaterThan(10);
  });

  it('opens a 5,000-line diff rendering only what is on screen', async () => {
    const figures = await measureDiff(browser, 5_000);
    console.log('5,000-line diff:', figures);
    expect(figures.rowsInDom).toBeLessThan(300);
  });

  it('opens the Activity tab of a 20,000-part session at its end, rendering only a window of rows', async () => {
    const figures = await measureActivity(browser, 20_000, async (page) => {
      // The newest 1,000 rows came first; the earlier ones load a page at a time, on request.
      const rows = page.locator('[data-testid="activity"] .activity-rows');
      expect(await rows.getAttribute('data-count')).toBe('1001');
      await page.getByTestId('activity').evaluate((list) => list.scrollTo({ top: 0 }));
      const earlier = page.getByRole('button', { name: /Show earlier activity \(21001 rows\)/ });
      await earlier.click();
      await page.locator('[data-testid="activity"] .activity-rows[data-count="2001"]').waitFor();
    });
    console.log('Activity tab at 20,000 parts:', figures);
    expect(figures.rowsInDom, 'only the rows near the view are in the DOM').toBeLessThan(100);
    expect(figures.atEnd, 'the last row is drawn and the list is scrolled to it').toBe(true);
  });
});
