import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createStudioClient } from '../../server/script-client.js';
import { FROM_SOURCE, startCli } from '../helpers/cli.js';
import { removeTempDirs, tempRepo } from '../helpers/temp-repo.js';
import { waitFor } from '../helpers/wait.js';

const made: string[] = [];
afterAll(async () => {
  for (const repo of made) await fs.rm(`${repo}.worktrees`, { recursive: true, force: true });
  await removeTempDirs();
});

/**
 * CI runs as root, and root reads through any mode bits. The studio here runs as root without
 * its capabilities (setpriv drops them all), so a file with mode 000 is refused for real: EACCES.
 */
const WITHOUT_CAPABILITIES = ['setpriv', '--bounding-set=-all', '--inh-caps=-all'];

describe('a file the studio may not read', () => {
  it('shows as a file problem naming it and what to do, refuses an update with invalid-file, and clears once readable', async () => {
    const repo = await tempRepo();
    made.push(repo);
    // No warm spare: the studio would make one at start, and its shutdown would wait for the spare's
    // index refresh, a second after its checkout. Only the task file matters here.
    await fs.mkdir(path.join(repo, '.opencode-studio'));
    await fs.writeFile(path.join(repo, '.opencode-studio/config.json'), '{"version":1,"warmSlots":0}\n');
    const cli = startCli([repo, '--no-open', '--port', '0', '--opencode-url', 'http://127.0.0.1:9'], /ready at/, {
      command: [...WITHOUT_CAPABILITIES, ...FROM_SOURCE],
    });
    await cli.started;
    const client = createStudioClient({ root: repo });
    try {
      const task = await client.tasks.create.mutate({ title: 'Locked away' });
      const rel = `.opencode-studio/tasks/${task.id}.json`;
      const file = path.join(repo, rel);

      await fs.chmod(file, 0o000);
      const problem = await waitFor(
        async () => (await client.project.info.query()).problems.find((p) => p.path === rel) ?? null,
        'the unreadable file to show as a problem',
        30_000,
      );
      expect(problem.reason).toMatch(/permission denied.*read access/);
      const refused = await client.tasks.update.mutate({ id: task.id, title: 'Changed' }).then(
        () => null,
        (err: unknown) => err as { data?: { reason?: string; httpStatus?: number }; message: string },
      );
      expect(refused?.data).toMatchObject({ reason: 'invalid-file', httpStatus: 412 });
      expect(refused?.message).toContain(rel);
      expect((await client.tasks.get.query({ id: task.id })).task.title, 'the task stays on the board').toBe('Locked away');

      await fs.chmod(file, 0o644);
      await waitFor(
        async () => !(await client.project.info.query()).problems.some((p) => p.path === rel),
        'the problem to clear once the file is readable',
        30_000,
      );
      const updated = await client.tasks.update.mutate({ id: task.id, title: 'Changed' });
      expect(updated.title).toBe('Changed');
    } finally {
      client.close();
      cli.child.kill('SIGTERM');
    }
    expect((await cli.done).code).toBe(0);
  }, 120_000);
});
