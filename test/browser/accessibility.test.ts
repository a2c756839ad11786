import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { startStudio } from '../helpers/studio.js';
import { type AxeViolation, axeViolations } from './axe.js';
import { useBoardBrowser } from './board-session.js';
import { cardNamed, openBoard } from './browser.js';
import { showcase } from './fixtures.js';

const session = useBoardBrowser();

const WIDTHS = [
  { width: 1440, height: 900 },
  { width: 1280, height: 800 },
  { width: 390, height: 844 },
] as const;
const SCHEMES = ['light', 'dark'] as const;
const TABS = ['Description', 'Plan', 'Activity', 'Review', 'Changes'] as const;

/** A dialog opened by `open`, checked, then closed with Esc (the way a keyboard user leaves it). */
async function dialog(page: Page, name: string, open: () => Promise<void>, screen: string): Promise<AxeViolation[]> {
  await open();
  await page.getByRole('dialog', { name }).waitFor();
  const found = await axeViolations(page, screen);
  await page.keyboard.press('Escape');
  await page.getByRole('dialog', { name }).waitFor({ state: 'detached' });
  return found;
}

describe('axe-core finds no violation on any screen', () => {
  it('board, drawer (every tab), dialogs and settings, in light and dark, at 1440, 1280 and 390 px', async () => {
    const { studio, client, byTitle } = await showcase();
    const review = byTitle('Follow the system theme');
    await client.comments.add.mutate({ id: review.id, path: 'src/theme.ts', line: 4, body: 'Say why the system wins here.' });
    const found: AxeViolation[] = [];
    for (const colorScheme of SCHEMES)
      for (const size of WIDTHS) {
        const at = `${colorScheme} ${size.width}px`;
        const { page, context } = await session.open(studio, { ...size, colorScheme });
        await cardNamed(page, review.title).waitFor();
        found.push(...(await axeViolations(page, `board, ${at}`)));
        // A search with no hits (the empty-column text, the counts).
        await page.getByRole('searchbox').fill('zzz-nothing');
        await page.getByTestId('no-matches').waitFor();
        found.push(...(await axeViolations(page, `board with no matches, ${at}`)));
        await page.getByRole('searchbox').press('Escape');
        await cardNamed(page, review.title).waitFor();

        await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
        found.push(...(await dialog(page, 'New task', () => page.keyboard.press('n'), `New task, ${at}`)));
        found.push(...(await dialog(page, 'Keyboard shortcuts', () => page.keyboard.press('?'), `shortcuts, ${at}`)));
        found.push(
          ...(await dialog(page, 'Settings', () => page.getByRole('button', { name: 'Settings' }).click(), `Settings, ${at}`)),
        );

        await cardNamed(page, review.title).click();
        await page.getByTestId('drawer').waitFor();
        for (const tab of TABS) {
          await page.getByRole('tab', { name: tab }).click();
          await page.getByRole('tabpanel', { name: tab }).waitFor();
          if (tab === 'Changes') await page.getByTestId('diff').waitFor();
          found.push(...(await axeViolations(page, `drawer ${tab}, ${at}`)));
        }
        found.push(
          ...(await dialog(
            page,
            'Merge with open comments?',
            () => page.getByRole('button', { name: 'Merge' }).click(),
            `merge, ${at}`,
          )),
        );
        await context.close();
      }
    expect(found).toEqual([]);
  }, 300_000);

  it('the access screens and the outage banner, in light and dark', async () => {
    const { studio } = await startStudio();
    const found: AxeViolation[] = [];
    for (const colorScheme of SCHEMES) {
      const context = await session.browser.newContext({ colorScheme, viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      await page.goto(studio.url);
      await page.getByTestId('no-token').waitFor();
      found.push(...(await axeViolations(page, `needs its access link, ${colorScheme}`)));
      await page.goto(`${studio.url}/?token=not-the-token`);
      await page.getByText('The access token is no longer valid').waitFor();
      found.push(...(await axeViolations(page, `token no longer valid, ${colorScheme}`)));
      await context.close();
    }
    // The outage: the studio stops under open boards.
    const pages = [];
    for (const colorScheme of SCHEMES) pages.push(await openBoard(session.browser, studio, { colorScheme }));
    session.pages.push(...pages);
    // Live first: a page whose event socket never connected says "Connecting…", not the outage.
    for (const { page } of pages) await page.getByTestId('connection').waitFor({ state: 'detached' });
    await studio.close();
    for (const { page, allow } of pages) {
      allow(/WebSocket|ERR_CONNECTION_REFUSED|Failed to load resource/);
      await page.getByTestId('outage').waitFor({ timeout: 30_000 });
      found.push(
        ...(await axeViolations(
          page,
          `outage, ${await page.evaluate(() => matchMedia('(prefers-color-scheme: dark)').matches)}`,
        )),
      );
    }
    expect(found).toEqual([]);
  }, 120_000);
});
