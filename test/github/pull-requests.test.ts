import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { worktreePath } from '../../server/git/worktrees.js';
import type { ReviewComment } from '../../shared/comments.js';
import type { Task } from '../../shared/task.js';
import { reasonOf } from '../helpers/failure.js';
import { FakeAgent } from '../helpers/fake-agent.js';
import { STAND_IN_TOKEN, startGithubStudio, stopStandIns } from '../helpers/github.js';
import { stopStudios } from '../helpers/studio.js';
import { git, removeTempDirs } from '../helpers/temp-repo.js';
import { waitFor } from '../helpers/wait.js';

// The tests run at once (each with its own studio, stand-in and bare remote): they mostly wait on git
// and on the studio's own steps. So what they start is stopped after all of them, not after each.
afterAll(async () => {
  await stopStudios();
  await stopStandIns();
  await removeTempDirs();
});

/** tRPC's inferred output loses the optional nested objects of a loose task; the shared type has them. */
const asTask = async (result: Promise<unknown>) => (await result) as Task;
const taskOf = async (client: { tasks: { get: { query(input: { id: string }): Promise<{ task: unknown }> } } }, id: string) =>
  (await client.tasks.get.query({ id })).task as Task;

/** Every file under .opencode-studio/, to prove the token never lands there. */
async function studioFiles(root: string): Promise<string> {
  const dir = path.join(root, '.opencode-studio');
  const names = await fs.readdir(dir, { recursive: true });
  const texts = await Promise.all(
    names.map(async (n) => {
      const file = path.join(dir, String(n));
      return (await fs.stat(file)).isFile() ? fs.readFile(file, 'utf8') : '';
    }),
  );
  return texts.join('\n');
}

describe('a pull request from Review, against GitHub’s stand-in and a real bare remote', () => {
  it.concurrent('pushes the branch, opens the PR against the base, and links it once however often asked', async ({ expect }) => {
    const { client, root, bare, standIn, inReview } = await startGithubStudio();
    const task = await inReview('Say hello');
    const local = git(root, 'rev-parse', task.branch!);

    const opened = await asTask(client.tasks.openPullRequest.mutate({ id: task.id }));
    expect(git(bare, 'rev-parse', `refs/heads/${task.branch}`)).toBe(local);
    expect(standIn.pulls).toHaveLength(1);
    const pr = standIn.pulls[0]!;
    expect(pr).toMatchObject({ title: 'Say hello', head: task.branch, base: 'main', draft: false, state: 'open' });
    expect(pr.body).toContain('Write hello.txt');
    expect(pr.body).toContain('Verdict: approved');
    expect(opened.pullRequest).toMatchObject({ number: pr.number, state: 'open', headSha: local, draft: false });
    expect(opened.pullRequest!.url).toBe(`https://github.com/octo/widgets/pull/${pr.number}`);
    expect(opened.status).toBe('review');

    const again = await asTask(client.tasks.openPullRequest.mutate({ id: task.id }));
    expect(again.pullRequest!.number).toBe(pr.number);
    expect(standIn.pulls).toHaveLength(1);

    const info = await client.project.info.query();
    expect(info.github).toMatchObject({
      repo: 'octo/widgets',
      apiUrl: standIn.url,
      apiUrlFrom: 'env',
      tokenFound: true,
      error: null,
    });
    expect(info.github.tokenFrom).toBe('GH_TOKEN');
    expect(JSON.stringify(info)).not.toContain(STAND_IN_TOKEN);
    expect(await studioFiles(root)).not.toContain(STAND_IN_TOKEN);
    expect(standIn.requests.every((r) => r.headers.authorization === `token ${STAND_IN_TOKEN}`)).toBe(true);
    expect(standIn.violations).toEqual([]);
  }, 60_000);

  it.concurrent('a push that worked and a create that failed is safe to retry; a PR someone opened for the head is linked', async ({
    expect,
  }) => {
    const { client, standIn, inReview, bare } = await startGithubStudio();
    const task = await inReview();
    standIn.failNext('POST /repos/{owner}/{repo}/pulls', 502, { message: 'Server Error' });
    expect(await reasonOf(client.tasks.openPullRequest.mutate({ id: task.id }))).toBe('github-unreachable');
    expect(git(bare, 'branch', '--list', task.branch!)).not.toBe('');
    expect((await taskOf(client, task.id)).pullRequest).toBeUndefined();
    const retried = await asTask(client.tasks.openPullRequest.mutate({ id: task.id }));
    expect(standIn.pulls).toHaveLength(1);
    expect(retried.pullRequest!.number).toBe(standIn.pulls[0]!.number);

    // Another task whose head already has an open PR on GitHub (opened by hand there).
    const other = await client.tasks.create.mutate({ title: 'Second' });
    await client.tasks.start.mutate({ id: other.id });
    const second = await waitFor(async () => {
      const t = await taskOf(client, other.id);
      return t.status === 'review' && !t.run ? t : null;
    }, 'the second task in review');
    git(bare, 'branch', second.branch!, 'main');
    standIn.pulls.push({
      number: 77,
      title: 'Opened on GitHub',
      body: null,
      head: second.branch!,
      base: 'main',
      state: 'open',
      merged: false,
      draft: false,
      createdAt: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
    });
    const linked = await asTask(client.tasks.openPullRequest.mutate({ id: second.id, draft: true }));
    expect(linked.pullRequest!.number).toBe(77);
    expect(standIn.pulls).toHaveLength(2);
    expect(standIn.violations).toEqual([]);
  }, 60_000);

  it.concurrent('sums the checks of the head, counts a failing one, and reads again with If-None-Match (304)', async ({
    expect,
  }) => {
    const { client, standIn, inReview } = await startGithubStudio();
    const task = await inReview();
    const opened = await asTask(client.tasks.openPullRequest.mutate({ id: task.id }));
    expect(opened.pullRequest!.checks).toEqual({ state: 'none', items: [] });
    const sha = opened.pullRequest!.headSha;
    standIn.setChecks(sha, [
      { name: 'build', status: 'completed', conclusion: 'success' },
      { name: 'lint', status: 'in_progress', conclusion: null },
    ]);
    standIn.statuses.set(sha, [{ context: 'ci/deploy', state: 'success', description: 'deployed' }]);
    const pending = await asTask(client.tasks.syncPullRequest.mutate({ id: task.id }));
    expect(pending.pullRequest!.checks.state).toBe('pending');
    expect(pending.pullRequest!.checks.items.map((c) => [c.name, c.state])).toEqual([
      ['build', 'passing'],
      ['lint', 'pending'],
      ['ci/deploy', 'passing'],
    ]);
    standIn.setChecks(sha, [
      { name: 'build', status: 'completed', conclusion: 'success' },
      { name: 'lint', status: 'completed', conclusion: 'failure', title: '2 errors', summary: 'src/a.ts:3 no-unused-vars' },
    ]);
    const failing = await asTask(client.tasks.syncPullRequest.mutate({ id: task.id }));
    expect(failing.pullRequest!.checks.state).toBe('failing');
    expect(failing.pullRequest!.checks.items[1]).toMatchObject({
      name: 'lint',
      state: 'failing',
      summary: '2 errors\nsrc/a.ts:3 no-unused-vars',
    });
    expect(failing.pullRequest!.checks.items[1]!.url).toMatch(/^https:\/\/github.com\/octo\/widgets\/runs\//);

    const before = standIn.requests.length;
    const same = await asTask(client.tasks.syncPullRequest.mutate({ id: task.id }));
    expect(same.updatedAt).toBe(failing.updatedAt);
    const reads = standIn.requests.slice(before);
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.every((r) => r.method === 'GET' && r.status === 304 && r.headers['if-none-match'])).toBe(true);
    expect(standIn.violations).toEqual([]);
  }, 60_000);

  it.concurrent('with landing "pull-request": the drag to Done opens the PR; merged on GitHub → Done, worktree gone, base only fetched', async ({
    expect,
  }) => {
    const { client, root, bare, standIn, inReview } = await startGithubStudio({ landing: 'pull-request', pollMs: 150 });
    const task = await inReview();
    const mainBefore = git(root, 'rev-parse', 'main');
    const dragged = await asTask(client.tasks.move.mutate({ id: task.id, status: 'done' }));
    expect(dragged.status).toBe('review');
    expect(dragged.pullRequest?.state).toBe('open');
    const dir = worktreePath(root, null, task.id);
    expect(existsSync(dir)).toBe(true);

    standIn.merge(dragged.pullRequest!.number);
    const done = await waitFor(async () => {
      const t = await taskOf(client, task.id);
      return t.status === 'done' ? t : null;
    }, 'the merged PR to bring the task to Done');
    expect(done.pullRequest).toMatchObject({ state: 'merged' });
    expect(done.error).toBeNull();
    expect(existsSync(dir)).toBe(false);
    expect(git(root, 'branch', '--list', task.branch!)).toBe('');
    expect(git(root, 'rev-parse', 'main')).toBe(mainBefore);
    expect(git(root, 'rev-parse', 'refs/remotes/origin/main')).toBe(git(bare, 'rev-parse', 'main'));
    expect(git(bare, 'rev-parse', 'main')).not.toBe(mainBefore);
    expect(standIn.violations).toEqual([]);
  }, 60_000);

  it.concurrent('a PR closed without merge brings the task back to Review with a note', async ({ expect }) => {
    const { client, standIn, inReview } = await startGithubStudio({ landing: 'pull-request' });
    const task = await inReview();
    const opened = await asTask(client.tasks.openPullRequest.mutate({ id: task.id }));
    standIn.closeWithoutMerge(opened.pullRequest!.number);
    const closed = await asTask(client.tasks.syncPullRequest.mutate({ id: task.id }));
    expect(closed.status).toBe('review');
    expect(closed.pullRequest!.state).toBe('closed');
    expect(closed.error).toContain(`#${opened.pullRequest!.number} was closed on GitHub without merging`);
  }, 60_000);

  it.concurrent('Fix failing checks: the fix phase gets their names and output, and the fix is pushed to the PR', async ({
    expect,
  }) => {
    const agent = new FakeAgent();
    const { client, root, bare, standIn, inReview, settled } = await startGithubStudio({ agent });
    const task = await inReview();
    const opened = await asTask(client.tasks.openPullRequest.mutate({ id: task.id }));
    expect(await reasonOf(client.tasks.fixChecks.mutate({ id: task.id }))).toBe('not-allowed-now');
    standIn.setChecks(opened.pullRequest!.headSha, [
      { name: 'unit tests', status: 'completed', conclusion: 'failure', title: '1 failed', summary: 'expected hello, fixed' },
    ]);
    await client.tasks.fixChecks.mutate({ id: task.id });
    await settled(task.id, 'review');
    const fix = agent.calls.findLast((c) => c.phase === 'fix')!;
    expect(fix.prompt).toContain('unit tests');
    expect(fix.prompt).toContain('expected hello, fixed');
    const head = git(root, 'rev-parse', task.branch!);
    expect(head).not.toBe(opened.pullRequest!.headSha);
    await waitFor(() => git(bare, 'rev-parse', `refs/heads/${task.branch}`) === head, 'the fix to be pushed');
    await waitFor(async () => {
      const t = await taskOf(client, task.id);
      return t.pullRequest?.headSha === head;
    }, 'the PR record to follow the new head');
    expect(standIn.violations).toEqual([]);
  }, 60_000);

  it.concurrent('review comments from GitHub land in comments/<id>.json; Fix PR comments sends them, pushes, and marks them addressed', async ({
    expect,
  }) => {
    const agent = new FakeAgent();
    const { client, root, bare, standIn, inReview, settled } = await startGithubStudio({ agent });
    const task = await inReview();
    const opened = await asTask(client.tasks.openPullRequest.mutate({ id: task.id }));
    const n = opened.pullRequest!.number;
    standIn.addLineComment(n, { path: 'hello.txt', line: 1, body: 'Say it louder', user: 'mona' });
    standIn.addReview(n, { body: 'Please also add a test.', user: 'hubot', state: 'CHANGES_REQUESTED' });
    await asTask(client.tasks.syncPullRequest.mutate({ id: task.id }));
    const comments = (await client.comments.list.query({ id: task.id })) as ReviewComment[];
    const fromGithub = comments.filter((c) => c.author === 'github');
    expect(fromGithub.map((c) => [c.path, c.line, c.body, c.source?.author, c.status])).toEqual([
      ['hello.txt', 1, 'Say it louder', 'mona', 'open'],
      ['(pull request)', 1, 'Please also add a test.', 'hubot', 'open'],
    ]);
    expect(fromGithub[0]!.source!.url).toMatch(/^https:\/\/github.com\/octo\/widgets\/pull\/\d+#discussion_r\d+$/);
    const file = JSON.parse(await fs.readFile(path.join(root, '.opencode-studio', 'comments', `${task.id}.json`), 'utf8'));
    expect(file.comments.filter((c: { author: string }) => c.author === 'github')).toHaveLength(2);

    await client.tasks.fixPullRequestComments.mutate({ id: task.id });
    await settled(task.id, 'review');
    const fix = agent.calls.findLast((c) => c.phase === 'fix')!;
    expect(fix.prompt).toContain('Say it louder');
    expect(fix.prompt).toContain('@hubot');
    const head = git(root, 'rev-parse', task.branch!);
    await waitFor(() => git(bare, 'rev-parse', `refs/heads/${task.branch}`) === head, 'the fix to be pushed');
    const addressed = await waitFor(async () => {
      const list = (await client.comments.list.query({ id: task.id })).filter((c) => c.author === 'github');
      return list.every((c) => c.status === 'resolved' && c.addressedAt === head) ? list : null;
    }, 'the GitHub comments to be marked addressed at the pushed head');
    expect(addressed).toHaveLength(2);
    // Read again, GitHub still lists them: they stay resolved on the board.
    await asTask(client.tasks.syncPullRequest.mutate({ id: task.id }));
    const after = (await client.comments.list.query({ id: task.id })).filter((c) => c.author === 'github');
    expect(after.every((c) => c.status === 'resolved')).toBe(true);
    expect(standIn.violations).toEqual([]);
  }, 60_000);
});
