import fs from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { worktreePath } from '../../server/git/worktrees.js';
import { createAgent } from '../../server/orchestrator/create-agent.js';
import { startGithubStudio, stopStandIns } from '../helpers/github.js';
import { startStudio } from '../helpers/studio.js';
import { git, tempRepo } from '../helpers/temp-repo.js';
import { waitFor } from '../helpers/wait.js';
import { type AxeViolation, axeViolations } from './axe.js';
import { useBoardBrowser } from './board-session.js';
import { cardNamed, openBoard } from './browser.js';
import { showcase } from './fixtures.js';

/** Task worktrees live beside the repo (`<root>.worktrees`), outside the temp dir the session removes. */
const worktreeFolders: string[] = [];
const session = useBoardBrowser(async () => {
  await stopStandIns();
  await Promise.all(worktreeFolders.splice(0).map((dir) => fs.rm(dir, { recursive: true, force: true })));
});

const WIDTHS = [
  { width: 1440, height: 900 },
  { width: 1280, height: 800 },
  { width: 390, height: 844 },
] as const;
const SCHEMES = ['light', 'dark'] as const;
/** The later screens: the widest and the narrowest are enough (each page load and axe run costs CI time). */
const EDGES = [WIDTHS[0], WIDTHS[2]] as const;
const EACH_LOOK = SCHEMES.flatMap((colorScheme) => EDGES.map((size) => ({ colorScheme, ...size })));
const lookName = (look: (typeof EACH_LOOK)[number]) => `${look.colorScheme} ${look.width}px`;

const TABS = ['Description', 'Plan', 'Activity', 'Review', 'Changes'] as const;
/** A dev server for the drawer's panel: it logs its port once it listens. */
const SERVER = `require('node:http')
  .createServer((req, res) => res.end('hello'))
  .listen(Number(process.env.PORT), '127.0.0.1', () => console.log('serving on ' + process.env.PORT));
`;

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

  it('the trust banner, then the dev server panel and the warm slots list once trusted, at 1440 and 390 px', async () => {
    // A repository whose committed settings run commands: a setup that fails (so a slot shows its
    // output) and a dev server. Its studio has the real orchestrator (slots, dev servers); OpenCode
    // is not needed for these screens, so it points at a closed port.
    const root = await tempRepo();
    await fs.mkdir(path.join(root, '.opencode-studio'));
    await fs.writeFile(path.join(root, 'server.cjs'), SERVER);
    const committed = { version: 1, worktreeSetup: ['echo "cannot install" >&2; exit 4'], devServer: 'node server.cjs' };
    await fs.writeFile(path.join(root, '.opencode-studio/config.json'), `${JSON.stringify(committed, null, 2)}\n`);
    git(root, 'add', '.');
    git(root, 'commit', '-q', '-m', 'an app and its studio settings');
    worktreeFolders.push(`${root}.worktrees`);
    const { studio, client } = await startStudio({
      root,
      agent: (store, bus, credentials) =>
        createAgent(store, bus, { credentials, mode: { kind: 'attached', url: 'http://127.0.0.1:9' } }),
    });
    const task = await client.tasks.create.mutate({ title: 'Try the app' });
    git(root, 'worktree', 'add', '-q', '-b', `studio/${task.id}`, worktreePath(root, null, task.id));
    await studio.services.store.tasks.patch(task.id, { status: 'review', branch: `studio/${task.id}` });
    const found: AxeViolation[] = [];

    for (const look of EACH_LOOK) {
      const { page, context } = await session.open(studio, look);
      await page.getByTestId('trust-setting').first().waitFor();
      found.push(...(await axeViolations(page, `trust banner, ${lookName(look)}`)));
      await context.close();
    }

    const { trust } = await client.project.info.query();
    await client.project.trust.mutate({ hash: trust.hash! });
    await client.devServer.run.mutate({ id: task.id });
    await waitFor(
      async () => (await client.devServer.get.query({ id: task.id })).log.includes('serving on'),
      'the dev server to serve',
    );
    await waitFor(
      async () => (await client.project.info.query()).slots.some((s) => s.state === 'failed'),
      'a warm slot to fail its setup',
    );

    for (const look of EACH_LOOK) {
      const { page, context } = await session.open(studio, { ...look, path: `/tasks/${task.id}` });
      await page.getByTestId('dev-server-link').waitFor();
      found.push(...(await axeViolations(page, `drawer dev server, ${lookName(look)}`)));
      await page.keyboard.press('Escape');
      await page.getByTestId('drawer').waitFor({ state: 'detached' });
      found.push(
        ...(await dialog(
          page,
          'Settings',
          async () => {
            await page.getByRole('button', { name: 'Settings' }).click();
            await page.locator('[data-testid="slot-list"] li[data-state="failed"]').waitFor();
          },
          `Settings with warm slots, ${lookName(look)}`,
        )),
      );
      await context.close();
    }
    expect(found).toEqual([]);
  }, 120_000);

  it('the GitHub import dialog and a pull request with its checks, at 1440 and 390 px', async () => {
    const s = await startGithubStudio();
    worktreeFolders.push(`${s.root}.worktrees`);
    const task = await s.inReview('Greet the reader');
    await s.client.tasks.openPullRequest.mutate({ id: task.id });
    s.standIn.setChecks(s.standIn.branchSha(`studio/${task.id}`)!, [
      { name: 'build', status: 'completed', conclusion: 'success' },
      { name: 'unit tests', status: 'completed', conclusion: 'failure', summary: '1 failed' },
      { name: 'lint', status: 'in_progress', conclusion: null },
    ]);
    await s.client.tasks.syncPullRequest.mutate({ id: task.id });
    // A second one merged on GitHub: its card in Done wears the merged badge.
    const merged = await s.inReview('Say goodbye');
    await s.client.tasks.openPullRequest.mutate({ id: merged.id });
    s.standIn.merge(s.standIn.pulls.at(-1)!.number);
    await s.client.tasks.syncPullRequest.mutate({ id: merged.id });
    await s.settled(merged.id, 'done');
    const found: AxeViolation[] = [];
    for (const look of EACH_LOOK) {
      const { page, context } = await session.open(s.studio, look);
      const card = cardNamed(page, task.title);
      await card.getByTestId('card-checks').waitFor();
      await cardNamed(page, merged.title).locator('[data-testid="pr-badge"][data-state="merged"]').waitFor();
      found.push(...(await axeViolations(page, `board with a pull request, ${lookName(look)}`)));
      found.push(
        ...(await dialog(
          page,
          'Import from GitHub',
          () => page.getByTestId('import-github').click(),
          `Import from GitHub, ${lookName(look)}`,
        )),
      );
      await card.click();
      await page.getByTestId('pr-checks').waitFor();
      found.push(...(await axeViolations(page, `drawer pull request, ${lookName(look)}`)));
      await context.close();
    }
    expect(s.standIn.violations).toEqual([]);
    expect(found).toEqual([]);
  }, 120_000);
});
