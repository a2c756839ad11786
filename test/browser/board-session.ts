import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { stopStudios } from '../helpers/studio.js';
import { removeTempDirs } from '../helpers/temp-repo.js';
import { type BoardPage, launchBrowser, openBoard } from './browser.js';

/**
 * One Chromium for a test file. Pages opened through it are closed after each test, with the
 * studios, and the test fails if a page logged an error. `afterEachTest` runs extra clean-up.
 */
export function useBoardBrowser(afterEachTest?: () => Promise<void>) {
  let browser: Browser | undefined;
  const pages: BoardPage[] = [];
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterEach(async () => {
    const errors = pages.flatMap((p) => p.errors());
    await Promise.all(pages.splice(0).map((p) => p.context.close()));
    await stopStudios();
    await afterEachTest?.();
    expect(errors, 'the page logged errors').toEqual([]);
  });
  afterAll(async () => {
    await browser?.close();
    await removeTempDirs();
  });
  return {
    get browser(): Browser {
      if (!browser) throw new Error('the browser is not launched yet');
      return browser;
    },
    /** Pages closed after the test (add one made by hand so it is closed too). */
    pages,
    async open(studio: { openUrl: string }, options?: Parameters<typeof openBoard>[2]): Promise<BoardPage> {
      const board = await openBoard(this.browser, studio, options);
      pages.push(board);
      return board;
    },
  };
}
