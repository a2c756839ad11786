import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Task } from '../../shared/task.js';
import type { SlotState } from '../../shared/task-env.js';
import { startAgentStudio, stopModels, waitStatus } from '../helpers/agent-studio.js';
import { stopStudios } from '../helpers/studio.js';
import { git, removeTempDirs, tempDir, tempRepo } from '../helpers/temp-repo.js';
import { waitFor } from '../helpers/wait.js';

/**
 * One studio, one real `opencode serve` and one repository for the whole file: warm slots with a
 * real setup command (each run appends its worktree to a log outside the repo), base moves with
 * the lockfile unchanged and changed, a failing spare, and two tasks' dev servers at once.
 */
type Studio = Awaited<ReturnType<typeof startAgentStudio>>;
let studio: Studio;
let root: string;
let runsLog: string;
const started: Task[] = [];

const SERVER = `const http = require('node:http');
http.createServer((req, res) => res.end(\`task \${process.env.STUDIO_TASK_ID} on \${process.env.PORT}\`))
  .listen(Number(process.env.PORT), '127.0.0.1', () => console.log(\`serving \${process.env.STUDIO_WORKTREE} on \${process.env.PORT}\`));
`;

async function setupRuns(): Promise<string[]> {
  const text = await fs.readFile(runsLog, 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean);
}

async function slots(): Promise<SlotState[]> {
  return (await studio.client.project.info.query()).slots;
}

function readySlotAt(tip: string): Promise<SlotState> {
  return waitFor(
    async () => {
      const [only, ...more] = await slots();
      if (only?.state === 'failed') throw new Error(`the spare failed: ${only.output}`);
      if (more.length === 0 && only?.state === 'ready' && only.base === tip) return only;
      throw new Error(`the slots are ${JSON.stringify(await slots())}`);
    },
    `one ready spare at ${tip.slice(0, 8)}`,
    120_000,
  );
}

const tip = () => git(root, 'rev-parse', 'main');

beforeAll(async () => {
  root = await tempRepo();
  runsLog = path.join(await tempDir('studio-setup-runs-'), 'runs.log');
  await fs.writeFile(path.join(root, 'package-lock.json'), '{"lockfileVersion": 3}\n');
  await fs.writeFile(path.join(root, 'server.cjs'), SERVER);
  await fs.writeFile(path.join(root, '.gitignore'), 'node_modules/\n');
  git(root, 'add', '.');
  git(root, 'commit', '-q', '-m', 'app with a lockfile');
  studio = await startAgentStudio({ root, warmSlots: true });
  await studio.client.config.update.mutate({
    warmSlots: 1,
    worktreeSetup: [
      `echo "$STUDIO_WORKTREE port=$PORT" >> '${runsLog}' && mkdir -p node_modules && echo ok > node_modules/.installed`,
    ],
    worktreeSetupInputs: ['package-lock.json'],
    devServer: 'node server.cjs',
  });
}, 180_000);

afterAll(async () => {
  await stopStudios();
  await stopModels();
  await fs.rm(`${root}.worktrees`, { recursive: true, force: true });
  await removeTempDirs();
});

describe('warm worktree slots and dev servers, with real OpenCode', { timeout: 240_000 }, () => {
  it('a spare is set up once; the base moving with the lockfile unchanged updates it without setup, a changed lockfile reruns it', async () => {
    const first = await readySlotAt(tip());
    expect(path.basename(first.dir)).toMatch(/^slot-\d+$/);
    expect(git(first.dir, 'rev-parse', 'HEAD')).toBe(tip());
    expect(git(first.dir, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('HEAD');
    expect(await fs.readFile(path.join(first.dir, 'node_modules', '.installed'), 'utf8')).toBe('ok\n');
    expect((await setupRuns()).filter((l) => l.startsWith(`${first.dir} `))).toHaveLength(1);

    await fs.writeFile(path.join(root, 'README.md'), '# sample, moved\n');
    git(root, 'commit', '-qam', 'docs only');
    const moved = await readySlotAt(tip());
    expect(moved.dir).toBe(first.dir);
    expect(git(moved.dir, 'rev-parse', 'HEAD')).toBe(tip());
    expect(await fs.readFile(path.join(moved.dir, 'README.md'), 'utf8')).toBe('# sample, moved\n');
    expect((await setupRuns()).filter((l) => l.startsWith(`${first.dir} `))).toHaveLength(1);

    await fs.writeFile(path.join(root, 'package-lock.json'), '{"lockfileVersion": 3, "packages": {}}\n');
    git(root, 'commit', '-qam', 'new dependency');
    const rerun = await readySlotAt(tip());
    expect(rerun.dir).toBe(first.dir);
    expect((await setupRuns()).filter((l) => l.startsWith(`${first.dir} `))).toHaveLength(2);
  });

  it('Start takes the ready slot: the task branch is made there and the first phase runs without the setup again', async () => {
    const spare = await readySlotAt(tip());
    const before = await setupRuns();
    const task = await studio.client.tasks.create.mutate({ title: 'Starts warm' });
    await studio.client.tasks.start.mutate({ id: task.id });
    started.push(await waitStatus(studio.client, task.id, 'plan_review', 120_000));

    expect(git(spare.dir, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe(`studio/${task.id}`);
    expect(await fs.readFile(path.join(spare.dir, 'node_modules', '.installed'), 'utf8')).toBe('ok\n');
    const activity = await studio.client.tasks.activity.query({ id: task.id });
    expect(activity.filter((e) => e.kind === 'setup')).toEqual([]);
    expect(activity.some((e) => e.kind === 'phase' && e.message?.includes(`took the warm worktree ${spare.dir}`))).toBe(true);
    // The setup log has no new line for the task's folder (a refill runs elsewhere).
    const after = await setupRuns();
    expect(after.filter((l) => l.startsWith(`${spare.dir} `))).toEqual(before.filter((l) => l.startsWith(`${spare.dir} `)));
    // The studio refills in the background: a new spare in a new folder.
    const next = await readySlotAt(tip());
    expect(next.dir).not.toBe(spare.dir);
  });

  it('a spare whose setup fails is shown with its output and never handed to a task', async () => {
    // Fails where no task is named (a spare), works for a task: the same command, run for real.
    await studio.client.config.update.mutate({
      worktreeSetup: ['test -n "$STUDIO_TASK_ID" || { echo "no task to set up for" >&2; exit 7; }'],
    });
    const failed = await waitFor(
      async () => {
        const [only] = await slots();
        return only?.state === 'failed' ? only : null;
      },
      'the spare to fail',
      120_000,
    );
    expect(failed.output).toContain('no task to set up for');
    expect(failed.output).toMatch(/exited with code 7/);
    const task = await studio.client.tasks.create.mutate({ title: 'Starts cold' });
    await studio.client.tasks.start.mutate({ id: task.id });
    started.push(await waitStatus(studio.client, task.id, 'plan_review', 120_000));
    const activity = await studio.client.tasks.activity.query({ id: task.id });
    expect(activity.some((e) => e.kind === 'phase' && e.message?.includes('took the warm worktree'))).toBe(false);
    expect(git(`${root}.worktrees/${task.id}`, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe(`studio/${task.id}`);
    expect(await slots()).toEqual([expect.objectContaining({ name: failed.name, state: 'failed' })]);
  });

  it("two tasks' dev servers answer on their own ports at once, and Stop ends each", async () => {
    const [a, b] = started;
    const runA = await studio.client.devServer.run.mutate({ id: a!.id });
    const runB = await studio.client.devServer.run.mutate({ id: b!.id });
    expect(runA.port).not.toBe(runB.port);
    for (const run of [runA, runB]) {
      expect(run.port).toBeGreaterThanOrEqual(4200);
      expect(run.port).toBeLessThanOrEqual(4299);
    }
    const listening = (id: string) =>
      waitFor(
        async () => {
          const s = await studio.client.devServer.get.query({ id });
          if (s.state === 'exited') throw new Error(`it exited: ${s.log}`);
          return s.state === 'listening' ? s : null;
        },
        `the dev server of ${id}`,
        30_000,
      );
    const [upA, upB] = [await listening(a!.id), await listening(b!.id)];
    expect(upA.url).toBe(`http://localhost:${runA.port}`);
    expect(await (await fetch(`http://127.0.0.1:${runA.port}/`)).text()).toBe(`task ${a!.id} on ${runA.port}`);
    expect(await (await fetch(`http://127.0.0.1:${runB.port}/`)).text()).toBe(`task ${b!.id} on ${runB.port}`);
    expect(upB.log).toContain(`on ${runB.port}`);
    // At most one per task: Run again leaves the running one.
    expect((await studio.client.devServer.run.mutate({ id: a!.id })).pid).toBe(upA.pid);

    const stopped = await studio.client.devServer.stop.mutate({ id: a!.id });
    expect(stopped.state).toBe('stopped');
    await expect(fetch(`http://127.0.0.1:${runA.port}/`)).rejects.toThrow();
    expect(await (await fetch(`http://127.0.0.1:${runB.port}/`)).text()).toBe(`task ${b!.id} on ${runB.port}`);

    // The task that started warm keeps the slot's folder as its worktree: deleting it removes that folder.
    const warmDir = git(root, 'worktree', 'list', '--porcelain')
      .split('\n')
      .find(
        (l) =>
          l.startsWith('worktree ') &&
          l.includes('slot-') &&
          git(l.slice(9), 'rev-parse', '--abbrev-ref', 'HEAD') === `studio/${a!.id}`,
      )
      ?.slice(9);
    expect(warmDir).toBeDefined();
    await studio.client.tasks.delete.mutate({ id: a!.id, force: true });
    await expect(fs.access(warmDir!)).rejects.toThrow();

    // Deleting the task stops its dev server and frees its port.
    await studio.client.tasks.delete.mutate({ id: b!.id, force: true });
    await waitFor(
      () =>
        fetch(`http://127.0.0.1:${runB.port}/`).then(
          () => false,
          () => true,
        ),
      'the deleted task’s dev server to stop',
      20_000,
    );
  });
});
