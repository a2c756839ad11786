import { existsSync, statSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { phaseOf } from '../../server/demo/demo-script.js';
import type { Responder } from '../../server/demo/scripted-model.js';
import { worktreePath } from '../../server/git/worktrees.js';
import { trustFilePath } from '../../server/store/trust-book.js';
import { launchBrowser, openBoard } from '../browser/browser.js';
import { startAgentStudio, stopModels } from '../helpers/agent-studio.js';
import { recordEvents } from '../helpers/bus-recorder.js';
import { runCli } from '../helpers/cli.js';
import { failureOf, reasonOf } from '../helpers/failure.js';
import { stopStudios } from '../helpers/studio.js';
import { pull, teamOrigin } from '../helpers/team.js';
import { git, removeTempDirs, tempDir } from '../helpers/temp-repo.js';
import { waitFor } from '../helpers/wait.js';

/**
 * A repository cloned from someone else, whose committed config runs a setup command, allows
 * bash and turns on the studio's MCP tools. One studio and one real `opencode serve` (whose own
 * config asks before bash) for the whole story: refused until trusted, trusted by the CLI, a
 * teammate's changed command pulled and refused again, trusted on the board in Chromium.
 */
const made: string[] = [];
let browser: Browser;

afterAll(async () => {
  await browser?.close();
  await stopStudios();
  await stopModels();
  for (const dir of made) await fs.rm(`${dir}.worktrees`, { recursive: true, force: true });
  await removeTempDirs();
});
beforeAll(async () => {
  browser = await launchBrowser();
});

/** Planning answers at once; implementation runs one shell command, which OpenCode's own config would ask about. */
const responder: Responder = (req) => {
  if (req.isTitleRequest) return { text: 'Title' };
  const { phase } = phaseOf(req);
  if (phase === 'planning') return { text: '## Plan\n1. touch a file' };
  if (phase === 'review') return { text: 'Fine.\n\nVERDICT: APPROVED' };
  if (req.toolResults.length === 0)
    return { toolCalls: [{ name: 'bash', args: { command: 'touch bash-ran.txt', description: 'touch' } }] };
  return { text: 'Touched it.' };
};

async function commitConfig(dir: string, config: Record<string, unknown>, message: string): Promise<void> {
  await fs.mkdir(path.join(dir, '.opencode-studio'), { recursive: true });
  await fs.writeFile(path.join(dir, '.opencode-studio/config.json'), `${JSON.stringify(config, null, 2)}\n`);
  git(dir, 'add', '.opencode-studio/config.json');
  git(dir, 'commit', '-q', '-m', message);
  git(dir, 'push', '-q', 'origin', 'main');
}

describe('a cloned repository cannot act on this machine until its user trusts its settings', { timeout: 400_000 }, () => {
  it('refuses, is trusted by the CLI, asks again after a pulled change, and is trusted on the board', async () => {
    const markers = await tempDir('studio-markers-');
    const markerA = path.join(markers, 'setup-a');
    const markerB = path.join(markers, 'setup-b');
    const committed = {
      version: 1,
      requirePlanApproval: false,
      mcp: true,
      permission: { bash: 'allow' },
      worktreeSetup: [`touch ${markerA}`],
    };
    const { clone } = await teamOrigin();
    const author = await clone('author');
    await commitConfig(author, committed, 'studio settings');
    const mine = await clone('me');
    made.push(mine);
    const { client, studio, model } = await startAgentStudio({
      root: mine,
      responder,
      opencodePermission: { bash: 'ask', edit: 'allow' },
    });
    const events = recordEvents(studio.services.bus);

    // Untrusted: project.info says so, Start is refused naming each value, nothing ran, no session was made.
    const info = await client.project.info.query();
    expect(info.trust.state).toBe('untrusted');
    expect(info.trust.settings.map((s) => [s.key, s.value])).toEqual([
      ['worktreeSetup', [`touch ${markerA}`]],
      ['mcp', true],
      ['permission', { bash: 'allow' }],
    ]);
    const first = await client.tasks.create.mutate({ title: 'Harmless' });
    expect(await reasonOf(client.tasks.start.mutate({ id: first.id }))).toBe('untrusted-settings');
    const refused = await failureOf(client.tasks.start.mutate({ id: first.id }));
    expect(refused).toContain(`worktreeSetup = ["touch ${markerA}"]`);
    expect(refused).toContain('permission = {"bash":"allow"}');
    expect(refused).toContain(`opencode-studio trust ${mine}`);
    expect(existsSync(markerA)).toBe(false);
    expect(model.requests).toEqual([]);
    expect((await client.tasks.get.query({ id: first.id })).task).toMatchObject({ status: 'todo', run: null });
    // Reading, editing and planning by hand still work.
    await client.tasks.update.mutate({ id: first.id, title: 'Harmless, edited' });
    await client.plans.update.mutate({ id: first.id, markdown: '# by hand' });

    // The CLI shows the values and asks; "n" (or no answer) trusts nothing.
    const env = { XDG_CONFIG_HOME: process.env.XDG_CONFIG_HOME! };
    const declined = await runCli(['trust', mine], { env, input: 'n\n' });
    expect(declined.code).toBe(1);
    expect(declined.stdout).toContain(`worktreeSetup = ["touch ${markerA}"]`);
    expect((await client.project.info.query()).trust.state).toBe('untrusted');
    const accepted = await runCli(['trust', mine], { env, input: 'y\n' });
    expect(accepted.code, accepted.stderr).toBe(0);
    expect(statSync(trustFilePath()).mode & 0o777).toBe(0o600);
    expect((await client.project.info.query()).trust.state).toBe('trusted');

    // Trusted: Start runs the setup, and the repo's "bash": "allow" applies (no request reaches the board).
    await client.tasks.start.mutate({ id: first.id });
    await waitFor(
      async () => {
        const { task } = await client.tasks.get.query({ id: first.id });
        if (task.run?.state === 'failed') throw new Error(`failed: ${task.error}`);
        return task.status === 'review' && !task.run;
      },
      'the first task in Review',
      180_000,
    );
    expect(existsSync(markerA)).toBe(true);
    expect(existsSync(path.join(worktreePath(mine, null, first.id), 'bash-ran.txt'))).toBe(true);
    expect(events.of('request.asked')).toEqual([]);

    // A teammate changes the setup command; the pull brings it in and the studio asks again.
    await commitConfig(author, { ...committed, worktreeSetup: [`touch ${markerB}`] }, 'another setup command');
    expect(pull(mine).ok).toBe(true);
    const changed = await waitFor(async () => {
      const trust = (await client.project.info.query()).trust;
      return trust.state === 'untrusted' ? trust : null;
    }, 'the pulled settings to need trust');
    expect(changed.settings[0]).toMatchObject({ key: 'worktreeSetup', value: [`touch ${markerB}`] });
    const second = await client.tasks.create.mutate({ title: 'After the pull' });
    expect(await reasonOf(client.tasks.start.mutate({ id: second.id }))).toBe('untrusted-settings');
    expect(existsSync(markerB)).toBe(false);

    // The board shows each value in full; Not now hides the banner, a reload shows it again, Trust records it.
    const board = await openBoard(browser, studio);
    try {
      const banner = board.page.getByTestId('trust-banner');
      await banner.waitFor();
      expect(await banner.textContent()).toContain(`touch ${markerB}`);
      expect(await board.page.getByTestId('trust-setting').count()).toBe(3);
      await banner.getByRole('button', { name: 'Not now' }).click();
      await banner.waitFor({ state: 'detached' });
      await board.page.reload();
      await banner.waitFor();
      await board.page.getByTestId('trust-button').click();
      await banner.waitFor({ state: 'detached' });
      expect(board.errors()).toEqual([]);
    } finally {
      await board.context.close();
    }
    expect((await client.project.info.query()).trust.state).toBe('trusted');
    await client.tasks.start.mutate({ id: second.id });
    await waitFor(() => existsSync(markerB), 'the new setup command to run', 120_000);
    await waitFor(
      async () => (await client.tasks.get.query({ id: second.id })).task.status !== 'planning',
      'the second task past planning',
      120_000,
    );
  });
});
