import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { readSlotFile } from '../../server/orchestrator/warm-slots.js';
import { WorkspacePaths } from '../../server/store/paths.js';
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
      const main = git(repo, 'rev-parse', 'main');
      // The spare is watched in the slots file the command reads (a run of the CLI from source takes
      // over half a second), then listed by the command once.
      const paths = new WorkspacePaths(repo);
      const recorded = (ready: boolean) =>
        waitFor(
          async () =>
            (await readSlotFile(paths)).slots.some((s) => s.dir === slot && (!ready || (s.state === 'ready' && s.base === main))),
          ready ? 'a ready spare in the slots file' : 'the spare in the slots file',
          60_000,
        );
      await recorded(false);
      // Refused while the studio runs, here while it sets the spare up: nothing is removed.
      const [refused] = await Promise.all([runCli(['slots', '--clear', repo]), recorded(true)]);
      const listed = await runCli(['slots', repo]);
      expect(listed.code).toBe(0);
      expect(listed.stdout).toContain(`slot-1  ready  ${main.slice(0, 8)}  ${slot}\n`);
      expect(git(slot, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('HEAD');
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
