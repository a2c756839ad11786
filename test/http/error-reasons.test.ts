import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createStudioClient } from '../../server/script-client.js';
import { ERROR_REASONS } from '../../shared/errors.js';
import { reasonOf } from '../helpers/failure.js';
import { startStudio, stopStudios } from '../helpers/studio.js';
import { removeTempDirs } from '../helpers/temp-repo.js';

afterEach(stopStudios);
afterAll(removeTempDirs);

describe('every API error carries a stable reason code', () => {
  it('not found, invalid input, a lifecycle refusal and an agent that is not there', async () => {
    const { client } = await startStudio();
    const task = await client.tasks.create.mutate({ title: 'Reasons' });
    expect(await reasonOf(client.tasks.get.query({ id: 'no-such-task-aaaaaa' }))).toBe('not-found');
    expect(await reasonOf(client.tasks.get.query({ id: '../etc' }))).toBe('invalid-input');
    expect(await reasonOf(client.tasks.create.mutate({ title: '' }))).toBe('invalid-input');
    expect(await reasonOf(client.tasks.move.mutate({ id: task.id, status: 'review' }))).toBe('not-allowed-now');
    expect(await reasonOf(client.tasks.start.mutate({ id: task.id }))).toBe('opencode-unavailable');
    expect(await reasonOf(client.tasks.abort.mutate({ id: task.id }))).toBe('opencode-unavailable');
  });

  it('refusals before a router (a wrong token) carry the reason too', async () => {
    const { studio } = await startStudio();
    const stranger = createStudioClient({ url: studio.url, token: 'not-the-token' });
    try {
      expect(await reasonOf(stranger.tasks.list.query())).toBe('unauthorized');
    } finally {
      stranger.close();
    }
  });

  it('every code is one of the documented ones', async () => {
    const { client } = await startStudio();
    const reasons = await Promise.all([
      reasonOf(client.tasks.get.query({ id: 'missing-aaaaaa' })),
      reasonOf(client.config.update.mutate({ maxParallel: 0 })),
    ]);
    for (const reason of reasons) expect(ERROR_REASONS).toContain(reason);
  });
});
