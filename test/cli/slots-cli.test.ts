import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../helpers/cli.js';
import { git, removeTempDirs, tempRepo } from '../helpers/temp-repo.js';
import { waitFor } from '../helpers/wait.js';

const made: string[] = [];
afterAll(async () => {
  for (const repo of made) await fs.rm(`${repo}.worktrees`, { recursive: true, force: true });
  await removeTempDirs();
});

describe('opencode-studio slots', () => {
  it('lists the warm slots a studio made; --clear is refused while it runs and removes them once it stopped', async () => {
    const repo = await tempRepo();
    made.push(repo);
    // No OpenCode is needed for a spare: git makes it, and there is no setup to run.
    const cli = startCli([repo, '--no-open', '--port', '0', '--opencode-url', 'http://127.0.0.1:9'], /ready at/);
    try {
      await cli.started;
      const slot = `${repo}.worktrees/slot-1`;
      await waitFor(
        async () =>
          (await runCli(['slots', repo])).stdout.includes(`slot-1  ready  ${git(repo, 'rev-parse', 'main').slice(0, 8)}`),
        'a ready spare',
        60_000,
      );
      expect(git(slot, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('HEAD');
      const refused = await runCli(['slots', '--clear', repo]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/already running.*set warmSlots to 0/s);
      expect(existsSync(slot)).toBe(true);
    } finally {
      cli.child.kill('SIGTERM');
    }
    expect((await cli.done).code).toBe(0);
    const cleared = await runCli(['slots', '--clear', repo]);
    expect(cleared.code).toBe(0);
    expect(cleared.stdout).toMatch(/Removed 1 warm slot\(s\): .*slot-1/);
    expect(existsSync(`${repo}.worktrees/slot-1`)).toBe(false);
    expect(git(repo, 'worktree', 'list')).not.toContain('slot-1');
    expect((await runCli(['slots', repo])).stdout).toBe('No warm slots.\n');
  }, 120_000);
});
