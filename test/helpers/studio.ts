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
