import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { removeTempDirs, tempDir, tempRepo } from '../helpers/temp-repo.js';

afterAll(removeTempDirs);

describe('opencode-studio trust', () => {
  it('says when there is nothing to trust, trusts with --yes, knows it, and forgets with --revoke', async () => {
    const env = { XDG_CONFIG_HOME: await tempDir('studio-xdg-') };
    const root = await tempRepo();
    const nothing = await runCli(['trust', root], { env });
    expect(nothing.code).toBe(0);
    expect(nothing.stdout).toContain('nothing to trust');

    await fs.mkdir(path.join(root, '.opencode-studio'));
    await fs.writeFile(path.join(root, '.opencode-studio/config.json'), '{"version":1,"worktreeSetup":["npm ci"],"mcp":true}');
    // No answer at all (stdin closed) is a no.
    const unanswered = await runCli(['trust', root], { env });
    expect(unanswered.code).toBe(1);
    expect(unanswered.stdout).toContain('worktreeSetup = ["npm ci"]');
    expect(unanswered.stdout).toContain('mcp = true');

    const yes = await runCli(['trust', '--yes', root], { env });
    expect(yes.code, yes.stderr).toBe(0);
    const file = path.join(env.XDG_CONFIG_HOME, 'opencode-studio/trust.json');
    expect(JSON.parse(await fs.readFile(file, 'utf8')).trusted).toMatchObject([
      { root, settings: { worktreeSetup: ['npm ci'], mcp: true } },
    ]);
    expect((await runCli(['trust', root], { env })).stdout).toContain('You already trust exactly these values.');

    const revoked = await runCli(['trust', '--revoke', root], { env });
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain('Forgot your trust');
    expect(JSON.parse(await fs.readFile(file, 'utf8')).trusted).toEqual([]);
    expect((await runCli(['trust', root], { env })).code).toBe(1);
  });
});
