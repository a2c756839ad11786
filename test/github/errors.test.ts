import { afterAll, describe, type ExpectStatic, it } from 'vitest';
import type { Task } from '../../shared/task.js';
import { reasonOf } from '../helpers/failure.js';
import { FakeAgent, fakeAgentStudio } from '../helpers/fake-agent.js';
import { repoWithRemote, STAND_IN_TOKEN, startGithubStudio, stopStandIns } from '../helpers/github.js';
import { startStudio, stopStudios } from '../helpers/studio.js';
import { git, removeTempDirs, tempDir } from '../helpers/temp-repo.js';
import { waitFor } from '../helpers/wait.js';

// The tests run at once (each with its own studio, stand-in and bare remote): they mostly wait on git
// and on the studio's own steps. So what they start is stopped after all of them, not after each.
afterAll(async () => {
  await stopStudios();
  await stopStandIns();
  await removeTempDirs();
});

type Started = Awaited<ReturnType<typeof startGithubStudio>>;

/** The open fails with `reason`, and nothing is left half-done: no PR on GitHub, none on the task. */
async function refused(expect: ExpectStatic, s: Started, task: Task, reason: string): Promise<string> {
  let message = '';
  const got = await reasonOf(
    s.client.tasks.openPullRequest.mutate({ id: task.id }).catch((err: Error) => {
      message = err.message;
      throw err;
    }),
  );
  expect(got).toBe(reason);
  expect(s.standIn.pulls).toHaveLength(0);
  const after = (await s.client.tasks.get.query({ id: task.id })).task as Task;
  expect(after.pullRequest).toBeUndefined();
  expect(after.status).toBe('review');
  expect(message).not.toContain(STAND_IN_TOKEN);
  return message;
}

describe('GitHub errors each say what to do, and leave nothing half-done', () => {
  it.concurrent('no token, a refused token (401), a forbidden one (403), a used-up rate limit and an unknown repository (404)', async ({
    expect,
  }) => {
    // With GitHub's pacing on, as a user runs it: the rate limit passes through Octokit's throttling plugin.
    const s = await startGithubStudio({ pace: true });
    const task = await s.inReview();
    const pushedBefore = () => git(s.bare, 'branch', '--list', task.branch!);

    s.standIn.failNext('GET /repos/{owner}/{repo}/pulls', 401, { message: 'Bad credentials' });
    expect(await refused(expect, s, task, 'github-unauthorized')).toMatch(/GH_TOKEN/);
    expect(pushedBefore()).toBe('');

    s.standIn.failNext('GET /repos/{owner}/{repo}/pulls', 403, { message: 'Resource not accessible by personal access token' });
    expect(await refused(expect, s, task, 'github-forbidden')).toMatch(/write access/);

    const reset = Math.floor(Date.now() / 1000) + 600;
    s.standIn.failNext(
      'GET /repos/{owner}/{repo}/pulls',
      403,
      { message: 'API rate limit exceeded for user ID 1.' },
      { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset), 'x-ratelimit-limit': '5000' },
    );
    expect(await refused(expect, s, task, 'github-rate-limited')).toContain(new Date(reset * 1000).toISOString());

    await s.client.config.update.mutate({ github: { repo: 'octo/elsewhere' } });
    expect(await refused(expect, s, task, 'github-not-found')).toMatch(/octo\/elsewhere/);
    expect(pushedBefore()).toBe('');
    expect(s.standIn.violations).toEqual([]);
  }, 60_000);

  it.concurrent('a base branch missing on the remote (422) and a rejected push (not a fast-forward)', async ({ expect }) => {
    const s = await startGithubStudio();
    const task = await s.inReview();
    git(s.root, 'branch', 'release', 'main');
    await s.client.config.update.mutate({ baseBranch: 'release' });
    expect(await refused(expect, s, task, 'github-unprocessable')).toMatch(/base/);
    await s.client.config.update.mutate({ baseBranch: 'main' });

    // Someone else pushed other work to the task's branch on the remote.
    git(s.bare, 'update-ref', `refs/heads/${task.branch}`, git(s.root, 'rev-parse', 'main'));
    const work = await tempDir('studio-other-');
    git(work, 'clone', '-q', s.bare, '.');
    git(work, 'checkout', '-q', task.branch!);
    git(work, 'commit', '-q', '--allow-empty', '-m', 'theirs', '--author', 'Other <o@example.com>');
    git(work, '-c', 'user.name=O', '-c', 'user.email=o@example.com', 'push', '-q', 'origin', task.branch!);
    expect(await refused(expect, s, task, 'push-rejected')).toMatch(/fast-forward/);
    expect(s.standIn.violations).toEqual([]);
  }, 60_000);

  it.concurrent('no network: GitHub cannot be reached', async ({ expect }) => {
    const s = await startGithubStudio({ env: { GITHUB_API_URL: 'http://127.0.0.1:9' } });
    const task = await s.inReview();
    expect(await refused(expect, s, task, 'github-unreachable')).toMatch(/cannot be reached/);
  }, 60_000);

  it.concurrent('no remote, a remote not on GitHub, and no token: project.info says why, and the open is refused', async ({
    expect,
  }) => {
    const env = { PATH: '/nonexistent' };
    const bare = await startStudio({ agent: fakeAgentStudio(new FakeAgent()), github: { env, retries: 0 } });
    let info = await bare.client.project.info.query();
    expect(info.github.repo).toBeNull();
    expect(info.github.error).toMatch(/no git remote "origin"/);
    const t = await bare.client.tasks.create.mutate({ title: 'x' });
    expect(await reasonOf(bare.client.tasks.importIssues.mutate({}))).toBe('github-not-linked');
    expect(await reasonOf(bare.client.tasks.syncPullRequest.mutate({ id: t.id }))).toBe('not-allowed-now');

    git(bare.root, 'remote', 'add', 'origin', 'git@gitlab.com:octo/widgets.git');
    await bare.client.config.update.mutate({ remote: 'origin' });
    info = await bare.client.project.info.query();
    expect(info.github.error).toMatch(/not on GitHub/);
    expect(await reasonOf(bare.client.tasks.importIssues.mutate({}))).toBe('github-not-linked');

    const { root } = await repoWithRemote();
    git(root, 'remote', 'set-url', 'origin', 'https://github.com/octo/widgets.git');
    const noToken = await startStudio({ root, github: { env, retries: 0 } });
    info = await noToken.client.project.info.query();
    expect(info.github).toMatchObject({
      repo: 'octo/widgets',
      tokenFound: false,
      tokenFrom: 'none',
      apiUrl: 'https://api.github.com',
    });
    expect(info.github.error).toMatch(/GH_TOKEN/);
    expect(await reasonOf(noToken.client.tasks.importIssues.mutate({}))).toBe('github-no-token');
  }, 60_000);

  it.concurrent('a committed github.apiUrl gets the token only once the user trusts the settings', async ({ expect }) => {
    const s = await startGithubStudio({ env: { GITHUB_API_URL: undefined } });
    // Written to the file as a teammate's commit would, not through config.update (which trusts a person's own value).
    const file = `${s.root}/.opencode-studio/config.json`;
    const fs = await import('node:fs/promises');
    const config = JSON.parse(await fs.readFile(file, 'utf8'));
    config.github = { repo: 'octo/widgets', apiUrl: s.standIn.url };
    await fs.writeFile(file, `${JSON.stringify(config, null, 2)}\n`);
    const info = await waitFor(async () => {
      const i = await s.client.project.info.query();
      return i.config.github.apiUrl === s.standIn.url ? i : null;
    }, 'the studio to read the committed github.apiUrl');
    expect(info.github).toMatchObject({ apiUrl: 'https://api.github.com', apiUrlFrom: 'default' });
    expect(info.github.error).toMatch(/not trusted/);
    const trust = await s.studio.services.trust.state();
    await s.studio.services.trust.trust(trust.hash!);
    const trusted = await s.client.project.info.query();
    expect(trusted.github).toMatchObject({ apiUrl: s.standIn.url, apiUrlFrom: 'config', error: null });
  }, 60_000);
});
