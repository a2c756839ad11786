import { afterAll, describe, it } from 'vitest';
import type { Task } from '../../shared/task.js';
import { startGithubStudio, stopStandIns } from '../helpers/github.js';
import { stopStudios } from '../helpers/studio.js';
import { removeTempDirs } from '../helpers/temp-repo.js';

// The tests run at once (each with its own studio, stand-in and bare remote): they mostly wait on git
// and on the studio's own steps. So what they start is stopped after all of them, not after each.
afterAll(async () => {
  await stopStudios();
  await stopStandIns();
  await removeTempDirs();
});

describe('issues become tasks', () => {
  it.concurrent('creates tasks with title, body, labels and issue; again it updates them, never duplicates; PRs are skipped', async ({
    expect,
  }) => {
    const { client, standIn } = await startGithubStudio();
    standIn.issues.push(
      { number: 11, title: 'Crash on empty input', body: 'Steps: run with ""', labels: ['bug'], state: 'open' },
      { number: 12, title: 'Dark mode', body: null, labels: ['feature', 'ui'], state: 'open' },
      { number: 13, title: 'A pull request', body: 'not an issue', labels: [], state: 'open', pullRequest: true },
      { number: 14, title: 'Old one', body: 'done long ago', labels: ['bug'], state: 'closed' },
    );
    const first = await client.tasks.importIssues.mutate({});
    expect(first.created).toHaveLength(2);
    expect(first.skipped).toEqual([13]);
    const tasks = (await client.tasks.list.query()) as Task[];
    const crash = tasks.find((t) => t.issue?.number === 11)!;
    expect(crash).toMatchObject({
      title: 'Crash on empty input',
      description: 'Steps: run with ""',
      labels: ['bug'],
      status: 'todo',
      issue: { number: 11, url: 'https://github.com/octo/widgets/issues/11' },
    });
    expect(tasks.find((t) => t.issue?.number === 12)).toMatchObject({ description: '', labels: ['feature', 'ui'] });

    standIn.issues[0]!.title = 'Crash on empty input (also on spaces)';
    const again = await client.tasks.importIssues.mutate({ state: 'all', labels: ['bug'] });
    expect(again.created).toHaveLength(1);
    expect(again.updated).toEqual([crash.id]);
    const after = (await client.tasks.list.query()) as Task[];
    expect(after.filter((t) => t.issue?.number === 11)).toHaveLength(1);
    expect(after.find((t) => t.id === crash.id)!.title).toBe('Crash on empty input (also on spaces)');
    expect(after.find((t) => t.issue?.number === 14)!.title).toBe('Old one');

    const byNumber = await client.tasks.importIssues.mutate({ numbers: [12] });
    expect(byNumber).toEqual({ created: [], updated: [tasks.find((t) => t.issue?.number === 12)!.id], skipped: [] });
    expect((await client.tasks.list.query()).length).toBe(3);
    expect(standIn.violations).toEqual([]);
  }, 60_000);

  it.concurrent('a PR opened for an imported task closes its issue', async ({ expect }) => {
    const { client, standIn, settled } = await startGithubStudio();
    standIn.issues.push({ number: 5, title: 'Say hello', body: 'Write hello.txt', labels: [], state: 'open' });
    const { created } = await client.tasks.importIssues.mutate({});
    await client.tasks.start.mutate({ id: created[0]! });
    await settled(created[0]!, 'review');
    await client.tasks.openPullRequest.mutate({ id: created[0]! });
    expect(standIn.pulls[0]!.body).toContain('Closes #5');
  }, 60_000);
});
