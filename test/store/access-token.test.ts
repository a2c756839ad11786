import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { accessTokenFile, keptAccessToken } from '../../server/store/access-token.js';
import { startCli } from '../helpers/cli.js';
import { removeTempDirs, tempDir, tempRepo } from '../helpers/temp-repo.js';

afterAll(removeTempDirs);

const READY = /OpenCode Studio ready at (http:\/\/127\.0\.0\.1:\d+)\/\?token=(\S+)/;

describe('the access token kept per checkout', () => {
  it('is kept in the state folder (0600, outside the repo), the same on every read, new with rotate', async () => {
    const state = await tempDir('studio-state-');
    const repo = await tempRepo();
    const file = accessTokenFile(repo, state);
    expect(file.startsWith(path.join(state, 'opencode-studio'))).toBe(true);
    expect(file.startsWith(repo)).toBe(false);
    const first = await keptAccessToken(file);
    expect(first).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    expect((await fs.stat(path.dirname(file))).mode & 0o777).toBe(0o700);
    expect(await keptAccessToken(file)).toBe(first);
    // Another checkout has its own.
    expect(await keptAccessToken(accessTokenFile(await tempRepo(), state))).not.toBe(first);
    const rotated = await keptAccessToken(file, { rotate: true });
    expect(rotated).not.toBe(first);
    expect(await keptAccessToken(file)).toBe(rotated);
  });

  it('is replaced when the file was readable by others or holds something else', async () => {
    const state = await tempDir('studio-state-');
    const file = accessTokenFile(await tempRepo(), state);
    const first = await keptAccessToken(file);
    await fs.chmod(file, 0o644);
    const second = await keptAccessToken(file);
    expect(second).not.toBe(first);
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    await fs.writeFile(file, 'not a token\n', { mode: 0o600 });
    expect(await keptAccessToken(file)).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });

  it('the CLI prints the same link on the next run, and a new one with --new-token', async () => {
    const repo = await tempRepo();
    // No warm spare: the first run would make one, and its shutdown would wait for the spare's index
    // refresh, a second after its checkout. The token is all this test is about.
    await fs.mkdir(path.join(repo, '.opencode-studio'));
    await fs.writeFile(path.join(repo, '.opencode-studio/config.json'), '{"version":1,"warmSlots":0}\n');
    const env = { XDG_STATE_HOME: await tempDir('studio-state-') };
    const run = async (...extra: string[]) => {
      const cli = startCli([repo, '--no-open', '--port', '0', '--opencode-url', 'http://127.0.0.1:9', ...extra], READY, {
        env,
      });
      const [, , token] = await cli.started;
      cli.child.kill('SIGTERM');
      expect((await cli.done).code).toBe(0);
      return token!;
    };
    const first = await run();
    expect(await run()).toBe(first);
    const rotated = await run('--new-token');
    expect(rotated).not.toBe(first);
    expect(await run()).toBe(rotated);
  }, 120_000);
});
