import type { TestContext } from 'vitest';
import { createStudioServer, type StudioServer, type StudioServerOptions } from '../../server/index.js';
import { createStudioClient, type StudioClient } from '../../server/script-client.js';
import { tempRepo } from './temp-repo.js';

const running: Array<StudioServer | StudioClient> = [];

/** A real studio on port 0 over a fresh temp repo, and a typed client for it. */
export async function startStudio(options: Partial<StudioServerOptions> = {}) {
  const root = options.root ?? (await tempRepo());
  const studio = await createStudioServer({ port: 0, ...options, root });
  const client = createStudioClient({ url: studio.url, token: studio.token });
  running.push(studio, client);
  return { root, studio, client };
}

export async function stopStudios(): Promise<void> {
  for (const item of running.splice(0).reverse()) {
    if ('token' in item) await item.close();
    else item.close();
  }
}

/**
 * Stops the given studios (as returned by startStudio) and their clients, and no others: for a
 * test that runs at the same time as others (`onTestFinished` of its context), where
 * stopStudios() would stop theirs too.
 */
export async function stopStudiosOf(...started: Array<{ studio: StudioServer; client: StudioClient }>): Promise<void> {
  for (const { studio, client } of started) {
    for (const item of [client, studio]) {
      const at = running.indexOf(item);
      if (at >= 0) running.splice(at, 1);
    }
    client.close();
    await studio.close();
  }
}

/** startStudio for a test that runs at the same time as others: stopped when that test ends. */
export async function startStudioFor(
  { onTestFinished }: Pick<TestContext, 'onTestFinished'>,
  options: Partial<StudioServerOptions> = {},
) {
  const started = await startStudio(options);
  onTestFinished(() => stopStudiosOf(started));
  return started;
}
