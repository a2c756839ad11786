import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { ScriptedModel } from '../../server/demo/scripted-model.js';
import type { Task } from '../../shared/task.js';
import { fastDemoResponder, startAgentStudio, stopModels } from '../helpers/agent-studio.js';
import { stopStudios } from '../helpers/studio.js';
import { removeTempDirs } from '../helpers/temp-repo.js';
import { waitFor } from '../helpers/wait.js';

afterEach(async () => {
  await stopStudios();
  await stopModels();
});
afterAll(removeTempDirs);

type Client = Awaited<ReturnType<typeof startAgentStudio>>['client'];

function failedTask(client: Client, id: string, timeoutMs: number): Promise<Task> {
  return waitFor(
    async () => {
      const { task } = await client.tasks.get.query({ id });
      return task.run?.state === 'failed' ? task : null;
    },
    `${id} to fail`,
    timeoutMs,
  );
}

/** A provider whose API nobody listens on (port 9, discard, is closed on loopback). */
const DEAD_MODEL: ScriptedModel = {
  baseUrl: 'http://127.0.0.1:9/v1',
  requests: [],
  close: async () => {},
} as unknown as ScriptedModel;

describe('a model that fails: reason, fix, health, no pointless retries (real OpenCode)', () => {
  it('an unreachable API fails the run at once with model-unreachable and the fix; OpenCode stays up, the model does not', async () => {
    const { client } = await startAgentStudio({ model: DEAD_MODEL });
    const task = await client.tasks.create.mutate({ title: 'Add a health check' });
    const started = Date.now();
    await client.tasks.start.mutate({ id: task.id });
    // OpenCode alone retries a connection error for about a minute.
    const failed = await failedTask(client, task.id, 30_000);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(failed.errorReason).toBe('model-unreachable');
    expect(failed.error).toMatch(/network/);
    expect(failed.error).toMatch(/Settings → models/);
    expect(failed.error).toContain('scripted/scripted');
    const { opencode } = await client.project.info.query();
    expect(opencode.state).toBe('ready');
    expect(opencode.model).toMatchObject({ state: 'failing', reason: 'model-unreachable', model: 'scripted/scripted' });
    // A retry clears the reason with the error, and fails the same way again.
    await client.tasks.retry.mutate({ id: task.id });
    const again = await failedTask(client, task.id, 30_000);
    expect(again.errorReason).toBe('model-unreachable');
  }, 120_000);

  it('a refused key fails with model-unauthorized after one call, naming `opencode auth login`; a good run sets the model ok', async () => {
    let refuse = true;
    const { client, model } = await startAgentStudio({
      responder: (req) =>
        refuse && !req.isTitleRequest
          ? { error: { status: 401, message: 'Incorrect API key provided' } }
          : fastDemoResponder(req),
    });
    const task = await client.tasks.create.mutate({ title: 'Add a health check' });
    await client.tasks.start.mutate({ id: task.id });
    const failed = await failedTask(client, task.id, 60_000);
    expect(failed.errorReason).toBe('model-unauthorized');
    expect(failed.error).toContain('opencode auth login');
    expect(model.requests.filter((r) => !r.isTitleRequest)).toHaveLength(1);
    expect((await client.project.info.query()).opencode.model).toMatchObject({ state: 'failing', reason: 'model-unauthorized' });
    refuse = false;
    await client.tasks.retry.mutate({ id: task.id });
    await waitFor(async () => (await client.tasks.get.query({ id: task.id })).task.status === 'plan_review', 'the plan', 60_000);
    const { task: planned } = await client.tasks.get.query({ id: task.id });
    expect(planned.error).toBeNull();
    expect(planned.errorReason).toBeUndefined();
    expect((await client.project.info.query()).opencode.model).toMatchObject({ state: 'ok', reason: null });
  }, 120_000);

  it('with no provider at all, the header knows before any run, and a start fails at once with no-model', async () => {
    const { client } = await startAgentStudio({
      opencodeConfig: { provider: {}, model: undefined, small_model: undefined, disabled_providers: ['opencode'] },
    });
    await waitFor(async () => (await client.project.info.query()).opencode.state === 'ready', 'OpenCode', 60_000);
    expect((await client.project.info.query()).opencode.model).toMatchObject({ state: 'failing', reason: 'no-model' });
    const task = await client.tasks.create.mutate({ title: 'Add a health check' });
    await client.tasks.start.mutate({ id: task.id });
    const failed = await failedTask(client, task.id, 15_000);
    expect(failed.errorReason).toBe('no-model');
    expect(failed.error).toContain('opencode auth login');
  }, 120_000);
});
