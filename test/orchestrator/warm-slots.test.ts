import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { openRepo } from '../../server/git/repo.js';
import type { RunPhaseInput } from '../../server/opencode/agent-runner.js';
import { Orchestrator } from '../../server/orchestrator/orchestrator.js';
import type { Task } from '../../shared/task.js';
import { FakeAgent, FakeLink } from '../helpers/fake-agent.js';
import { startStudio, stopStudios } from '../helpers/studio.js';
import { removeTempDirs } from '../helpers/temp-repo.js';
import { waitFor } from '../helpers/wait.js';

const made: string[] = [];
// The tests run at once (each waits mostly on real time: a spare's index refresh a second after its
// checkout, the warm-up's looks for a quiet moment), so the studios stop after the last one.
afterAll(async () => {
  await stopStudios();
  for (const root of made) await fs.rm(`${root}.worktrees`, { recursive: true, force: true });
  await removeTempDirs();
});

/**
 * A settings change that writes this user's trust file (a worktreeSetup set through the settings).
 * Each studio locks only its own writes of that file, and the tests here run at once: their changes
 * go one at a time, so that no studio's record is lost to another's write.
 */
let trustWrites: Promise<unknown> = Promise.resolve();
function writingTrust<T>(change: () => Promise<T>): Promise<T> {
  const done = trustWrites.then(change);
  trustWrites = done.catch(() => undefined);
  return done;
}

/** Planning waits until the test opens the gate: the task holds its agent slot meanwhile. */
class GatedAgent extends FakeAgent {
  /** Set by a test that watches OpenCode's warm-ups. */
  warmed?: (directory: string) => Promise<void>;
  private open!: () => void;
  readonly gate = new Promise<void>((resolve) => {
    this.open = resolve;
  });
  release(): void {
    this.open();
  }
  override async runPhase(input: RunPhaseInput) {
    if (input.phase === 'planning') await this.gate;
    return super.runPhase(input);
  }
}

/** A studio whose phases `agent` runs, through the real orchestrator (its warm slots not begun). */
async function studioOver(agent: FakeAgent) {
  let orchestrator: Orchestrator | null = null;
  const { client, root } = await startStudio({
    agent: async (store, bus) => {
      orchestrator = new Orchestrator(await openRepo(store.paths.root), store, bus, new FakeLink(agent));
      return orchestrator;
    },
  });
  made.push(root);
  return { client, root, orchestrator: orchestrator! as Orchestrator };
}

/** A studio over `agent` with warm slots off, `maxParallel` agent slots, and one task's planning running (held by the gate). */
async function withPhaseRunning(agent: GatedAgent, maxParallel: number, title: string) {
  const { client, root, orchestrator } = await studioOver(agent);
  await client.config.update.mutate({ maxParallel, warmSlots: 0 });
  orchestrator.env.begin({ slots: true });
  const task = await client.tasks.create.mutate({ title });
  await client.tasks.start.mutate({ id: task.id });
  await waitFor(async () => (await client.tasks.get.query({ id: task.id })).task.run?.state === 'running', 'the phase to run');
  return { slots: orchestrator.env.slots, client, root };
}

describe.concurrent('warm slots refill only when an agent slot is free', () => {
  it('with every agent slot busy no spare is made; once the phase ends, one is', async ({ expect }) => {
    const agent = new GatedAgent();
    const { slots, client, root } = await withPhaseRunning(agent, 1, 'Holds the only agent slot');

    await client.config.update.mutate({ warmSlots: 1 });
    await slots.idle();
    expect(slots.list()).toEqual([]);

    agent.release();
    const ready = await waitFor(
      () => slots.list().find((s) => s.state === 'ready'),
      'a spare once the agent slot is free',
      30_000,
    );
    expect(ready.dir).toBe(`${root}.worktrees/slot-1`);
  });

  it('a spare made beside a running phase is ready at once; its OpenCode warm-up waits until no phase runs', async ({
    expect,
  }) => {
    const agent = new GatedAgent();
    const warmed: string[] = [];
    agent.warmed = async (dir: string) => {
      warmed.push(dir);
    };
    const { slots, client, root } = await withPhaseRunning(agent, 2, 'Runs while the spare is made');

    await client.config.update.mutate({ warmSlots: 1 });
    const spare = `${root}.worktrees/slot-1`;
    await waitFor(() => slots.list().find((s) => s.state === 'ready'), 'a ready spare beside the running phase', 30_000);
    // Several of the warm-up's looks for a quiet moment go by while the phase runs.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(warmed.filter((dir) => dir === spare)).toEqual([]);
    expect(slots.list()).toMatchObject([{ dir: spare, state: 'ready', warmed: false }]);

    agent.release();
    await waitFor(() => warmed.includes(spare), 'the warm-up once no phase runs', 30_000);
    await waitFor(() => slots.list()[0]?.warmed, 'the spare to say it is warmed', 10_000);
  });

  it('a ready spare set up before the settings changed shows as updating, is never handed out, and is replaced', async ({
    expect,
  }) => {
    const agent = new GatedAgent();
    const { slots, client, root } = await withPhaseRunning(agent, 2, 'Holds one agent slot');
    await client.config.update.mutate({ warmSlots: 1 });
    const first = await waitFor(() => slots.list().find((s) => s.state === 'ready'), 'a ready spare', 30_000);
    // Short of agent slots, the studio leaves the spares alone: the stale one stays as it is.
    await client.config.update.mutate({ maxParallel: 1 });
    await writingTrust(() =>
      client.config.update.mutate({ worktreeSetup: ['mkdir -p node_modules && echo ok > node_modules/.installed'] }),
    );
    await slots.idle();
    expect(slots.list()).toMatchObject([{ dir: first.dir, state: 'updating' }]);
    expect((await client.project.info.query()).slots).toMatchObject([{ dir: first.dir, state: 'updating' }]);
    const other = await client.tasks.create.mutate({ title: 'Not handed the stale spare' });
    expect(await slots.claim(other as Task, `studio/${other.id}`)).toBeNull();

    // With worktreeSetup set, every settings change trusts the values again.
    await writingTrust(() => client.config.update.mutate({ maxParallel: 2 }));
    const fresh = await waitFor(() => slots.list().find((s) => s.state === 'ready'), 'a spare set up afresh', 30_000);
    expect(fresh.dir).not.toBe(first.dir);
    expect(existsSync(path.join(fresh.dir, 'node_modules/.installed'))).toBe(true);
    expect(existsSync(`${root}.worktrees`)).toBe(true);
    agent.release();
  });

  it('a refill waits while a task makes and sets up its own worktree, then goes on', async ({ expect }) => {
    const { client, root, orchestrator } = await studioOver(new FakeAgent());
    const go = path.join(root, '..', `${path.basename(root)}-go`);
    // The task's own setup waits for the test; a spare's (no task id) does not.
    const setup = `if [ -n "$STUDIO_TASK_ID" ]; then while [ ! -f '${go}' ]; do sleep 0.05; done; fi`;
    await writingTrust(() => client.config.update.mutate({ maxParallel: 2, warmSlots: 0, worktreeSetup: [setup] }));
    const slots = orchestrator.env.slots;
    orchestrator.env.begin({ slots: true });
    const task = await client.tasks.create.mutate({ title: 'Sets up its own worktree' });
    await client.tasks.start.mutate({ id: task.id });
    await waitFor(() => existsSync(`${root}.worktrees/${task.id}`), 'the task to make its worktree');

    await writingTrust(() => client.config.update.mutate({ warmSlots: 1 }));
    const spare = await waitFor(() => slots.list()[0], 'the refill to begin');
    // A few of the refill's looks go by: it has not checked anything out while the task sets up.
    await new Promise((r) => setTimeout(r, 750));
    expect(existsSync(spare.dir)).toBe(false);
    expect(slots.list()).toMatchObject([{ dir: spare.dir, state: 'setting-up' }]);

    await fs.writeFile(go, '');
    await waitFor(() => slots.list().find((s) => s.state === 'ready'), 'the spare once the task is set up', 30_000);
    expect(existsSync(spare.dir)).toBe(true);
    await waitFor(
      async () => (await client.tasks.get.query({ id: task.id })).task.status === 'plan_review',
      'the task to finish planning',
    );
    await fs.rm(go, { force: true });
  });

  it('a setup command from the repository that this user has not trusted never runs in a spare', async ({ expect }) => {
    const { client, root, orchestrator } = await studioOver(new FakeAgent());
    const marker = path.join(root, '..', `${path.basename(root)}-setup-ran`);
    const file = path.join(root, '.opencode-studio', 'config.json');
    const config = JSON.parse(await fs.readFile(file, 'utf8'));
    await fs.writeFile(file, `${JSON.stringify({ ...config, worktreeSetup: [`touch '${marker}'`] }, null, 2)}\n`);
    await waitFor(async () => (await client.config.get.query()).worktreeSetup.length === 1, 'the hand edit to load');
    const slots = orchestrator.env.slots;
    orchestrator.env.begin({ slots: true });
    await waitFor(async () => (await client.project.info.query()).trust.state === 'untrusted', 'the setting to be untrusted');
    slots.pump();
    await slots.idle();
    expect(slots.list()).toEqual([]);
    expect(existsSync(marker)).toBe(false);

    // The same command set by this user through the settings is trusted: the spare is set up.
    await writingTrust(() => client.config.update.mutate({ worktreeSetup: [`touch '${marker}'`] }));
    await waitFor(() => slots.list().find((s) => s.state === 'ready'), 'a ready spare', 30_000);
    expect(existsSync(marker)).toBe(true);
    await fs.rm(marker, { force: true });
  });
});
