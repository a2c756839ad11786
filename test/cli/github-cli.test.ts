import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { operationsFor } from '../../server/access/operations.js';
import type { Task } from '../../shared/task.js';
import { runCli } from '../helpers/cli.js';
import { startGithubStudio, stopStandIns } from '../helpers/github.js';
import { stopStudios } from '../helpers/studio.js';
import { removeTempDirs } from '../helpers/temp-repo.js';

afterEach(async () => {
  await stopStudios();
  await stopStandIns();
});
afterAll(removeTempDirs);

describe('GitHub from the terminal and over MCP', () => {
  it('`task import-issues` and `task pr <id>` go through the running studio; errors keep their reason', async () => {
    const { root, standIn, client, settled } = await startGithubStudio();
    standIn.issues.push({ number: 8, title: 'Say hello', body: 'Write hello.txt', labels: ['good first issue'], state: 'open' });
    const imported = await runCli(['task', 'import-issues', '--label', 'good first issue', '--json'], {
      cwd: root,
      timeoutMs: 60_000,
    });
    expect(imported.stderr).toBe('');
    const { created } = JSON.parse(imported.stdout) as { created: string[] };
    expect(created).toHaveLength(1);
    const id = created[0]!;

    const early = await runCli(['task', 'pr', id, '--json'], { cwd: root, timeoutMs: 60_000 });
    expect(early.code).toBe(1);
    expect(JSON.parse(early.stderr).error.reason).toBe('not-allowed-now');

    await client.tasks.start.mutate({ id });
    await settled(id, 'review');
    const pr = await runCli(['task', 'pr', id, '--draft'], { cwd: root, timeoutMs: 60_000 });
    expect(pr.code).toBe(0);
    expect(pr.stdout).toMatch(/^#\d+ open \(draft\), checks none: https:\/\/github.com\/octo\/widgets\/pull\/\d+/);
    expect(standIn.pulls[0]).toMatchObject({ draft: true, title: 'Say hello' });
    expect(((await client.tasks.get.query({ id })).task as Task).pullRequest?.draft).toBe(true);
  }, 90_000);

  it('task_open_pull_request is a person’s tool: never in an agent session’s set', () => {
    expect(operationsFor('person').map((o) => o.name)).toContain('task_open_pull_request');
    expect(operationsFor('agent').map((o) => o.name)).not.toContain('task_open_pull_request');
    expect(operationsFor('agent').map((o) => o.name)).not.toContain('task_import_issues');
  });
});
