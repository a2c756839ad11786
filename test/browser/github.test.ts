import { describe, expect, it } from 'vitest';
import { startGithubStudio, stopStandIns } from '../helpers/github.js';
import { git } from '../helpers/temp-repo.js';
import { useBoardBrowser } from './board-session.js';
import { cardNamed } from './browser.js';

const chromium = useBoardBrowser(stopStandIns);

describe('working through GitHub on the board (Chromium, stand-in GitHub, bare remote)', () => {
  it('imports an issue, opens its PR from the drawer, shows the badge and checks, and moves to Done when merged on GitHub', async () => {
    const s = await startGithubStudio({ landing: 'pull-request', pollMs: 200 });
    s.standIn.issues.push({
      number: 21,
      title: 'Say hello',
      body: 'Write hello.txt',
      labels: ['good first issue'],
      state: 'open',
    });
    const { page } = await chromium.open(s.studio);

    await page.getByTestId('import-github').click();
    const dialog = page.getByTestId('import-issues');
    await dialog.getByRole('button', { name: 'Import' }).click();
    await cardNamed(page, 'Say hello').waitFor();
    const task = (await s.client.tasks.list.query()).find((t) => t.title === 'Say hello')!;
    await s.client.tasks.start.mutate({ id: task.id });
    await s.settled(task.id, 'review');

    await cardNamed(page, 'Say hello').click();
    const panel = page.getByTestId('pr-panel');
    await panel.getByTestId('open-pr').click();
    await panel.getByTestId('pr-link').waitFor();
    const number = s.standIn.pulls[0]!.number;
    expect(await panel.getByTestId('pr-link').textContent()).toBe(`Pull request #${number}`);
    expect(git(s.bare, 'rev-parse', `refs/heads/studio/${task.id}`)).toBe(git(s.root, 'rev-parse', `studio/${task.id}`));
    expect(s.standIn.pulls[0]!.body).toContain('Closes #21');
    const badge = cardNamed(page, 'Say hello').getByTestId('pr-badge');
    expect(await badge.textContent()).toContain(`PR #${number}`);

    const head = s.standIn.branchSha(`studio/${task.id}`)!;
    s.standIn.setChecks(head, [
      { name: 'build', status: 'completed', conclusion: 'success' },
      { name: 'unit tests', status: 'completed', conclusion: 'failure', summary: '1 failed' },
    ]);
    await panel.getByRole('button', { name: 'Refresh' }).click();
    await page.waitForFunction(() => document.querySelector('[data-testid="card-checks"]')?.textContent?.includes('failing'));
    expect(await cardNamed(page, 'Say hello').getByTestId('card-checks').textContent()).toBe('checks failing 1/2');
    expect(await panel.getByTestId('pr-checks').locator('li').allInnerTexts()).toEqual([
      expect.stringContaining('build'),
      expect.stringContaining('unit tests'),
    ]);
    expect(await panel.getByRole('button', { name: 'Fix failing checks' }).isVisible()).toBe(true);

    s.standIn.merge(number);
    await cardNamed(page.locator('[data-column="done"]'), 'Say hello').waitFor({ timeout: 20_000 });
    await page.waitForFunction(() => document.querySelector('[data-testid="pr-badge"]')?.getAttribute('data-state') === 'merged');
    expect(s.standIn.violations).toEqual([]);
  }, 90_000);
});
