import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Responder } from '../../server/demo/scripted-model.js';
import { fastDemoResponder, startAgentStudio, stopModels } from '../helpers/agent-studio.js';
import { startStudio, stopStudios } from '../helpers/studio.js';
import { pull, pushBoard, readTaskFile, teamOrigin } from '../helpers/team.js';
import { git, removeTempDirs } from '../helpers/temp-repo.js';
import { waitFor } from '../helpers/wait.js';

afterEach(async () => {
  await stopStudios();
  await stopModels();
});
afterAll(removeTempDirs);

describe('git pull while a task runs (real OpenCode, scripted model)', { timeout: 180_000 }, () => {
  it('the run goes on with its own state; the teammate’s edit of the task’s fields is merged in and kept', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    // Every model request waits until the pull is done: the planning phase is mid-run meanwhile.
    const responder: Responder = async (req) => {
      await held;
      return fastDemoResponder(req);
    };
    const { clone } = await teamOrigin();
    const ana = await startAgentStudio({ root: await clone('ana'), responder });
    await waitFor(async () => (await ana.client.project.info.query()).opencode.state === 'ready', 'OpenCode ready', 60_000);
    const task = await ana.client.tasks.create.mutate({ title: 'Write release notes', labels: ['docs'] });
    pushBoard(ana.root, 'board: one task');
    const bo = await startStudio({ root: await clone('bo') });

    await ana.client.tasks.start.mutate({ id: task.id });
    await waitFor(() => ana.model.requests.some((r) => !r.isTitleRequest), 'the planning request to reach the model', 60_000);
    const running = (await ana.client.tasks.get.query({ id: task.id })).task;
    expect(running).toMatchObject({ status: 'planning', run: { state: 'running', phase: 'planning' } });

    await bo.client.tasks.update.mutate({ id: task.id, title: 'Write the 2.0 release notes', labels: ['docs', 'release'] });
    pushBoard(bo.root, 'bo: title and label');
    // Ana's task file has the run's uncommitted state; --autostash puts it back through the merge driver.
    const pulled = pull(ana.root, '--autostash');
    expect(pulled.ok, pulled.output).toBe(true);
    const merged = JSON.parse(await readTaskFile(ana.root, task.id));
    expect(merged).toMatchObject({
      title: 'Write the 2.0 release notes',
      labels: ['docs', 'release'],
      status: 'planning',
      run: { state: 'running', phase: 'planning' },
    });
    expect(merged.conflict).toBeUndefined();
    await waitFor(async () => {
      const t = (await ana.client.tasks.get.query({ id: task.id })).task;
      return t.title === 'Write the 2.0 release notes' && t.run?.state === 'running';
    }, 'the board to show the pulled title on the running task');

    release();
    const planned = await waitFor(
      async () => {
        const t = (await ana.client.tasks.get.query({ id: task.id })).task;
        if (t.run?.state === 'failed') throw new Error(`failed: ${t.error}`);
        return t.status === 'plan_review' && !t.run ? t : null;
      },
      'planning to finish',
      90_000,
    );
    expect(planned).toMatchObject({ title: 'Write the 2.0 release notes', labels: ['docs', 'release'], error: null });
    expect(planned.usage.tokens).toBeGreaterThan(0);
    expect(await fs.readFile(path.join(ana.root, '.opencode-studio/plans', `${task.id}.md`), 'utf8')).toMatch(/## Plan/);
    // Ana commits the run's result on top of the merge; Bo pulls it with no conflict.
    pushBoard(ana.root, 'ana: planned');
    expect(pull(bo.root).ok).toBe(true);
    await waitFor(
      async () => (await bo.client.tasks.get.query({ id: task.id })).task.status === 'plan_review',
      'Bo sees the plan review',
    );
    expect(git(bo.root, 'status', '--porcelain')).toBe('');
  });
});
