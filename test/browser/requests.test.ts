import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { phaseOf } from '../../server/demo/demo-script.js';
import type { Responder } from '../../server/demo/scripted-model.js';
import { worktreePath } from '../../server/git/worktrees.js';
import { startAgentStudio, stopModels } from '../helpers/agent-studio.js';
import { startStudio } from '../helpers/studio.js';
import { waitFor } from '../helpers/wait.js';
import { useBoardBrowser } from './board-session.js';
import { cardNamed, screenshot } from './browser.js';

const session = useBoardBrowser(stopModels);

const QUESTION = {
  question: 'Which database should the notes mention?',
  header: 'Database',
  options: [
    { label: 'SQLite', description: 'a file' },
    { label: 'Postgres', description: 'a server' },
  ],
};

/** Implementation runs one shell command, then asks a question, then ends. */
const askingScript: Responder = (req) => {
  if (req.isTitleRequest) return { text: 'Title' };
  const { phase } = phaseOf(req);
  if (phase === 'planning') return { text: '## Plan\n1. touch a file' };
  if (phase === 'review') return { text: 'Fine.\n\nVERDICT: APPROVED' };
  if (req.toolResults.length === 0)
    return { toolCalls: [{ name: 'bash', args: { command: 'touch from-the-board.txt', description: 'touch' } }] };
  if (req.toolResults.length === 1) return { toolCalls: [{ name: 'question', args: { questions: [QUESTION] } }] };
  return { text: 'Done.' };
};

describe('a person answers the agent from the board', { timeout: 240_000 }, () => {
  it('shows Needs you on the card, the count in the header and the title, and answers a permission and a question from the drawer', async () => {
    const { studio, client, root, model } = await startAgentStudio({
      responder: askingScript,
      opencodePermission: { bash: 'ask', edit: 'allow', question: 'allow' },
    });
    await client.config.update.mutate({ requirePlanApproval: false });
    const task = await client.tasks.create.mutate({ title: 'Touch a file' });
    await client.tasks.create.mutate({ title: 'Not needed now' });
    const board = await session.open(studio, {
      width: 1400,
      height: 900,
      // Spy on the Notification API; the page creates real notifications through it.
      beforeLoad: async (page) => {
        await page.context().grantPermissions(['notifications']);
        await page.addInitScript(() => {
          const Real = window.Notification;
          const sent: string[] = [];
          (window as unknown as { sentNotifications: string[] }).sentNotifications = sent;
          window.Notification = class extends Real {
            constructor(title: string, options?: NotificationOptions) {
              sent.push(title);
              super(title, options);
            }
          } as typeof Notification;
        });
      },
    });
    const { page } = board;
    await page.getByTestId('opencode-status').filter({ hasText: 'OpenCode up' }).waitFor({ timeout: 60_000 });
    await page.getByTestId('notifications').click();
    await page.locator('[data-testid="notifications"][aria-pressed="true"]').waitFor();

    await client.tasks.start.mutate({ id: task.id });
    const card = cardNamed(page, 'Touch a file');
    await card.getByTestId('run-state').filter({ hasText: 'Needs you' }).waitFor({ timeout: 60_000 });
    expect(await card.getByTestId('run-detail').textContent()).toMatch(/bash: touch from-the-board\.txt.*slot/);
    await waitFor(async () => (await page.title()).startsWith('(1) '), 'the count in the title', 10_000);
    expect(await page.getByTestId('needs-you').textContent()).toMatch(/^1 needs you/);
    await waitFor(
      async () =>
        (await page.evaluate(() => (window as unknown as { sentNotifications: string[] }).sentNotifications)).some((t) =>
          t.startsWith('Touch a file needs you'),
        ),
      'a notification that the task needs me',
      10_000,
    );

    // The counter filters the board to the tasks that need a person.
    await page.getByTestId('needs-you').click();
    await cardNamed(page, 'Not needed now').waitFor({ state: 'detached' });
    expect(await card.isVisible()).toBe(true);
    await page.getByTestId('needs-you').click();
    await cardNamed(page, 'Not needed now').waitFor();

    await card.click();
    const request = page.getByTestId('request');
    await request.waitFor();
    expect(await request.getByTestId('request-tool').textContent()).toBe('bash');
    expect(await request.getByTestId('request-subject').textContent()).toBe('touch from-the-board.txt');
    await screenshot(page, 'drawer-permission-request');
    const dir = worktreePath(root, null, task.id);
    expect(existsSync(`${dir}/from-the-board.txt`)).toBe(false);
    await request.getByRole('button', { name: 'Allow once' }).click();
    await waitFor(() => existsSync(`${dir}/from-the-board.txt`), 'the command to run', 30_000);

    const question = page.locator('[data-testid="request"][data-kind="question"]');
    await question.waitFor({ timeout: 30_000 });
    expect(await question.getByRole('button', { name: 'Answer' }).isDisabled()).toBe(true);
    await question.getByLabel(/Postgres/).check();
    await screenshot(page, 'drawer-question');
    await question.getByRole('button', { name: 'Answer' }).click();
    await question.waitFor({ state: 'detached', timeout: 30_000 });
    await waitFor(
      () => model.requests.some((r) => r.toolResults.some((t) => t.includes('Postgres'))),
      'the answer to reach the model',
      30_000,
    );

    // In Review the task still needs a person: the count stays, now for the review.
    await cardNamed(page.locator('[data-column="review"]'), 'Touch a file').waitFor({ timeout: 90_000 });
    expect(await page.getByTestId('needs-you').textContent()).toMatch(/^1 needs you/);
    expect(await page.title()).toMatch(/^\(1\) /);
  });

  it('the settings panel edits the permission policy and unattended; a wrong ruleset is refused, naming the field', async () => {
    const { studio, root } = await startStudio();
    const board = await session.open(studio);
    const { page } = board;
    board.allow(/status of 400/);
    await page.getByRole('button', { name: 'Settings' }).click();
    await page.locator('textarea[name="permission"]').fill('{ "bash": "sometimes" }');
    await page.getByRole('button', { name: 'Save' }).click();
    await page
      .getByTestId('toast')
      .filter({ hasText: /Saving the settings failed: .*permission/ })
      .waitFor();
    await page.locator('textarea[name="permission"]').fill('{ "bash": { "*": "ask", "npm test": "allow" } }');
    await page.getByLabel(/Unattended/).check();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByTestId('toast').filter({ hasText: 'Settings saved' }).waitFor();
    const config = JSON.parse(await fs.readFile(`${root}/.opencode-studio/config.json`, 'utf8'));
    expect(config).toMatchObject({ permission: { bash: { '*': 'ask', 'npm test': 'allow' } }, unattended: true });
  });
});
