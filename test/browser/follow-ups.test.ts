import fs from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { startStudio } from '../helpers/studio.js';
import { useBoardBrowser } from './board-session.js';
import { cardNamed } from './browser.js';

const session = useBoardBrowser();
const card = (page: Page, title: string) => cardNamed(page, title);

describe('follow-up tasks on the board', () => {
  it('a follow-up made from the terminal shows its parent, and the parent counts its follow-ups, live', async () => {
    const { studio, root, client } = await startStudio();
    const parent = await client.tasks.create.mutate({ title: 'Rewrite the importer' });
    const { page } = await session.open(studio);
    await card(page, 'Rewrite the importer').waitFor();
    expect(await card(page, 'Rewrite the importer').getByTestId('card-follow-ups').count()).toBe(0);

    const made = await runCli(['task', 'create', 'Import CSV files', '--parent', parent.id], { built: true, cwd: root });
    expect(made.code).toBe(0);
    await card(page, 'Import CSV files').waitFor({ timeout: 2_000 });
    expect(await card(page, 'Import CSV files').getByTestId('card-parent').textContent()).toBe(
      '↳ follow-up of Rewrite the importer',
    );
    expect(await card(page, 'Rewrite the importer').getByTestId('card-follow-ups').textContent()).toBe('⇢ 1 follow-up');
    await client.tasks.create.mutate({ title: 'Import JSON files', parent: parent.id });
    await card(page, 'Rewrite the importer').getByText('⇢ 2 follow-ups').waitFor({ timeout: 2_000 });
  });

  it('the settings panel turns on the agent’s board tools (config mcp)', async () => {
    const { studio, root } = await startStudio();
    const { page } = await session.open(studio);
    await page.getByRole('button', { name: 'Settings' }).click();
    const box = page.getByLabel(/may use the board's tools/);
    expect(await box.isChecked()).toBe(false);
    await box.check();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByTestId('toast').filter({ hasText: 'Settings saved' }).waitFor();
    const config = JSON.parse(await fs.readFile(path.join(root, '.opencode-studio/config.json'), 'utf8'));
    expect(config.mcp).toBe(true);
  });
});
