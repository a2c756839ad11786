import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Task } from '../../shared/task.js';
import { startAgentStudio, stopModels } from '../helpers/agent-studio.js';
import { stopStudios } from '../helpers/studio.js';
import { git, removeTempDirs, tempRepo } from '../helpers/temp-repo.js';
import { waitFor } from '../helpers/wait.js';

afterEach(async () => {
  await stopStudios();
  await stopModels();
});
afterAll(async () => {
  for (const dir of made) await fs.rm(`${dir}.worktrees`, { recursive: true, force: true });
  await removeTempDirs();
});

const made: string[] = [];
type Client = Awaited<ReturnType<typeof startAgentStudio>>['client'];

function taskWhere(client: Client, id: string, what: string, check: (t: Task) => boolean, timeoutMs = 90_000): Promise<Task> {
  return waitFor(
    async () => {
      const { task } = await client.tasks.get.query({ id });
      if (check(task)) return task;
      if (task.run?.state === 'failed') throw new Error(`it failed instead: ${task.error}`);
      return null;
    },
    `${id}: ${what}`,
    timeoutMs,
  );
}

/** A repo that ignores node_modules/ and .env, with a .env and an untracked local config in the checkout. */
async function nodeLikeRepo(): Promise<string> {
  const root = await tempRepo();
  made.push(root);
  await fs.writeFile(path.join(root, '.gitignore'), 'node_modules/\n.env\n');
  git(root, 'add', '.gitignore');
  git(root, 'commit', '-q', '-m', 'ignore');
  await fs.writeFile(path.join(root, '.env'), 'API_URL=http://localhost:1234\n');
  await fs.mkdir(path.join(root, 'config'));
  await fs.writeFile(path.join(root, 'config', 'app.local.json'), '{"local":true}\n');
  await fs.writeFile(path.join(root, 'config', 'app.json'), '{"shared":true}\n');
  return root;
}

describe('worktree setup and copied files, in a real worktree', { timeout: 240_000 }, () => {
  it('copies untracked files, runs the commands in order with their output in Activity, and never commits the copies', async () => {
    const root = await nodeLikeRepo();
    const { client } = await startAgentStudio({ root });
    await client.config.update.mutate({
      worktreeSetup: [
        'mkdir -p node_modules && echo "installing from $STUDIO_ROOT" && printf one > node_modules/.order',
        'test -f .env && cat config/app.local.json && printf two >> node_modules/.order && echo done-2 >&2',
      ],
      worktreeCopy: ['.env', 'config/*.local.json'],
    });
    const task = await client.tasks.create.mutate({ title: 'Use the setup' });
    await client.tasks.start.mutate({ id: task.id });
    await taskWhere(client, task.id, 'plan review', (t) => t.status === 'plan_review' && !t.run);

    const wt = `${root}.worktrees/${task.id}`;
    expect(await fs.readFile(path.join(wt, '.env'), 'utf8')).toBe('API_URL=http://localhost:1234\n');
    expect(await fs.readFile(path.join(wt, 'config', 'app.local.json'), 'utf8')).toBe('{"local":true}\n');
    // Only the glob's matches: app.json is untracked too, but not named.
    await expect(fs.access(path.join(wt, 'config', 'app.json'))).rejects.toThrow();
    expect(await fs.readFile(path.join(wt, 'node_modules', '.order'), 'utf8')).toBe('onetwo');

    const activity = await client.tasks.activity.query({ id: task.id });
    const setup = activity.filter((e) => e.kind === 'setup');
    expect(setup.map((e) => `${e.step}/${e.of} ${e.state}`)).toEqual([
      '1/2 running',
      '1/2 completed',
      '2/2 running',
      '2/2 completed',
    ]);
    const output = activity.flatMap((e) => (e.kind === 'output' ? [e.text] : [])).join('');
    expect(output).toContain(`installing from ${root}`);
    expect(output).toContain('{"local":true}');
    expect(output).toContain('done-2');
    // Setup comes before the phase's own start.
    const phaseStart = activity.findIndex((e) => e.kind === 'phase' && e.state === 'started' && !e.message);
    expect(activity.findIndex((e) => e.kind === 'setup')).toBeLessThan(phaseStart);

    await client.tasks.approvePlan.mutate({ id: task.id });
    await taskWhere(client, task.id, 'review', (t) => t.status === 'review' && !t.run);
    const committed = git(root, 'diff', '--name-only', `main...studio/${task.id}`).split('\n');
    expect(committed).toEqual([`notes/${task.id}.md`]);
    // Setup ran once for the worktree, not once per phase.
    const again = await client.tasks.activity.query({ id: task.id });
    expect(again.filter((e) => e.kind === 'setup' && e.state === 'running')).toHaveLength(2);
  });

  it('a failing command fails the phase with its exit code and output tail; Retry runs the setup again', async () => {
    const root = await nodeLikeRepo();
    const { client } = await startAgentStudio({ root });
    await client.config.update.mutate({
      worktreeSetup: ['echo first-ok', 'echo "lockfile is out of date" >&2; test -f .ready || exit 3'],
    });
    const task = await client.tasks.create.mutate({ title: 'Setup fails once' });
    await client.tasks.start.mutate({ id: task.id });
    const failed = await taskWhere(client, task.id, 'failed', (t) => t.run?.state === 'failed');
    expect(failed.status).toBe('planning');
    expect(failed.error).toMatch(/exited with code 3/);
    expect(failed.error).toContain('lockfile is out of date');
    expect(failed.error).toContain('(2 of 2)');

    // The person fixes the cause in the worktree, then presses Retry.
    await fs.writeFile(`${root}.worktrees/${task.id}/.ready`, '');
    await client.tasks.retry.mutate({ id: task.id });
    const planned = await taskWhere(client, task.id, 'plan review', (t) => t.status === 'plan_review' && !t.run);
    expect(planned.error).toBeNull();
    const activity = await client.tasks.activity.query({ id: task.id });
    const runs = activity.filter((e) => e.kind === 'setup' && e.step === 1 && e.state === 'completed');
    expect(runs).toHaveLength(2);
    expect(activity.some((e) => e.kind === 'setup' && e.step === 2 && e.state === 'error' && e.exitCode === 3)).toBe(true);
  });
});
