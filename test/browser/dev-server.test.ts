import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startAgentStudio, stopModels, waitStatus } from '../helpers/agent-studio.js';
import { git, tempRepo } from '../helpers/temp-repo.js';
import { useBoardBrowser } from './board-session.js';
import { screenshot } from './browser.js';

const session = useBoardBrowser(stopModels);

const SERVER = `const http = require('node:http');
http.createServer((req, res) => res.end('hello from ' + process.env.STUDIO_TASK_ID))
  .listen(Number(process.env.PORT), '127.0.0.1', () => console.log('serving on ' + process.env.PORT));
`;

describe("a task's dev server from the drawer, with real OpenCode and a real Node server", { timeout: 180_000 }, () => {
  it('Run starts it with a live log, the link opens the running app, Stop ends it', async () => {
    const root = await tempRepo();
    await fs.writeFile(path.join(root, 'server.cjs'), SERVER);
    git(root, 'add', '.');
    git(root, 'commit', '-q', '-m', 'an app');
    const { studio, client } = await startAgentStudio({ root });
    await client.config.update.mutate({ devServer: 'node server.cjs' });
    const task = await client.tasks.create.mutate({ title: 'Try the app' });
    await client.tasks.start.mutate({ id: task.id });
    await waitStatus(client, task.id, 'plan_review', 120_000);

    const { page, context } = await session.open(studio, { path: `/tasks/${task.id}` });
    const panel = page.getByTestId('dev-server');
    await panel.getByRole('button', { name: 'Run' }).click();
    const link = panel.getByTestId('dev-server-link');
    await link.waitFor({ timeout: 30_000 });
    const url = await link.getAttribute('href');
    expect(url).toMatch(/^http:\/\/localhost:\d+$/);
    const port = new URL(url!).port;
    await panel
      .getByTestId('dev-server-log')
      .filter({ hasText: `serving on ${port}` })
      .waitFor();
    await expect(panel.getByTestId('dev-server-state').textContent()).resolves.toContain(`Running · port ${port}`);
    await screenshot(page, 'dev-server-running');

    const [app] = await Promise.all([context.waitForEvent('page'), link.click()]);
    await app.waitForLoadState();
    expect(await app.textContent('body')).toBe(`hello from ${task.id}`);
    await app.close();

    await panel.getByRole('button', { name: 'Stop' }).click();
    await panel.getByTestId('dev-server-state').filter({ hasText: 'Not running' }).waitFor();
    expect(await link.count()).toBe(0);
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
  });

  it('the settings panel lists each warm slot with its state, and a failed one with its output', async () => {
    const { studio, client } = await startAgentStudio({ warmSlots: true });
    const board = await session.open(studio);
    const { page } = board;
    await page.getByRole('button', { name: 'Settings' }).click();
    const list = page.getByTestId('slot-list');
    await list.locator('li[data-state="ready"]', { hasText: 'slot-1' }).waitFor({ timeout: 60_000 });
    await page.keyboard.press('Escape');
    // A setup that fails: the spare is replaced by one that fails, shown live with its output.
    await client.config.update.mutate({ worktreeSetup: ['echo "cannot install" >&2; exit 4'] });
    await page.getByRole('button', { name: 'Settings' }).click();
    const failed = list.locator('li[data-state="failed"]', { hasText: 'slot-2' });
    await failed.waitFor({ timeout: 60_000 });
    expect(await failed.textContent()).toContain('cannot install');
    await screenshot(page, 'settings-warm-slots');
  });
});
