import fs from 'node:fs/promises';
import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../helpers/cli.js';
import { git, removeTempDirs, tempDir, tempRepo } from '../helpers/temp-repo.js';
import { waitFor } from '../helpers/wait.js';

afterAll(removeTempDirs);

const READY = /OpenCode Studio ready at (http:\/\/127\.0\.0\.1:(\d+))\/\?token=(\S+)/;

describe('opencode-studio CLI', () => {
  it('--help and --version', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--no-open/);
    const version = await runCli(['--version']);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('init creates the workspace with the current branch as base, and a second run changes nothing', async () => {
    const repo = await tempRepo();
    const first = await runCli(['init', repo]);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/Created .*config\.json/);
    const config = await fs.readFile(`${repo}/.opencode-studio/config.json`, 'utf8');
    expect(JSON.parse(config)).toMatchObject({
      version: 1,
      baseBranch: 'main',
      requirePlanApproval: true,
      maxParallel: 3,
      maxReviewIterations: 2,
    });
    expect(await fs.readFile(`${repo}/.opencode-studio/.gitignore`, 'utf8')).toBe('runtime/\n*.studio-tmp\n');
    expect(first.stdout).toMatch(/^Git merges task files field by field/m);
    expect(await fs.readFile(`${repo}/.opencode-studio/.gitattributes`, 'utf8')).toContain(
      'tasks/*.json merge=opencode-studio\n',
    );
    expect(git(repo, 'config', '--local', 'merge.opencode-studio.driver')).toMatch(/main\.js' merge-driver %O %A %B %P$/);
    const listing = async () => (await fs.readdir(`${repo}/.opencode-studio`, { recursive: true })).sort();
    const before = await listing();
    const second = await runCli(['init', repo]);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/nothing changed/);
    expect(await listing()).toEqual(before);
    expect(await fs.readFile(`${repo}/.opencode-studio/config.json`, 'utf8')).toBe(config);
  });

  it('merge-driver: files that are not JSON objects go to git’s line merge (markers, exit 1); wrong arguments exit 1', async () => {
    const dir = await tempRepo({ commit: false });
    const file = (name: string, text: string) => fs.writeFile(`${dir}/${name}`, text).then(() => `${dir}/${name}`);
    const [base, ours, theirs] = await Promise.all([file('b', 'one\n'), file('o', 'ours\n'), file('t', 'theirs\n')]);
    const run = await runCli(['merge-driver', base, ours, theirs, '.opencode-studio/tasks/x.json']);
    expect(run.code).toBe(1);
    expect(await fs.readFile(ours, 'utf8')).toMatch(/^<{7} ours:.*\nours\n={7}\ntheirs\n>{7} /);
    const usage = await runCli(['merge-driver', base]);
    expect(usage.code).toBe(1);
    expect(usage.stderr).toMatch(/merge-driver takes <base> <ours> <theirs> <path>/);
  });

  it('init and start on a non-git directory: one line, exit 1', async () => {
    const dir = await tempDir();
    for (const args of [
      ['init', dir],
      [dir, '--no-open'],
    ]) {
      const run = await runCli(args);
      expect(run.code).toBe(1);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(/is not a git repository/);
    }
    await expect(fs.access(`${dir}/.opencode-studio`)).rejects.toThrow();
  });

  it('starts on the next port when the asked one is busy, says so, and a second studio on the same repo refuses', async () => {
    const repo = await tempRepo();
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const busy = (blocker.address() as net.AddressInfo).port;
    const cli = startCli([repo, '--no-open', '--port', String(busy)], READY);
    let opencodePid = 0;
    try {
      const match = await cli.started;
      expect(Number(match[2])).not.toBe(busy);
      expect(cli.output().stdout).toMatch(new RegExp(`port ${busy} is busy; using ${match[2]}`));
      const info = JSON.parse(await fs.readFile(`${repo}/.opencode-studio/runtime/server.json`, 'utf8'));
      expect(info.url).toBe(match[1]);
      const health = await fetch(`${match[1]}/trpc/health`, { headers: { authorization: `Bearer ${match[3]}` } });
      expect(health.status).toBe(200);
      opencodePid = Number(
        await waitFor(
          () => fs.readFile(`${repo}/.opencode-studio/runtime/opencode.pid`, 'utf8'),
          'OpenCode to be started',
          30_000,
        ),
      );
      const second = await runCli([repo, '--no-open', '--port', '0']);
      expect(second.code).toBe(1);
      expect(second.stderr).toMatch(new RegExp(`already running for this repo at ${match[1]!.replace(/\./g, '\\.')}`));
    } finally {
      cli.child.kill('SIGTERM');
      blocker.close();
    }
    const done = await cli.done;
    expect(done.code).toBe(0);
    await expect(fs.access(`${repo}/.opencode-studio/runtime/server.json`)).rejects.toThrow();
    // SIGTERM stops the OpenCode server the studio started, too.
    await waitFor(() => !alive(opencodePid), 'OpenCode to stop', 10_000);
  });

  it("Ctrl-C says once that OpenCode stopped, without OpenCode's own log lines", async () => {
    const cli = startCli(['--demo', '--no-open', '--port', '0'], /OpenCode ready at/);
    try {
      await cli.started;
    } finally {
      cli.child.kill('SIGINT');
    }
    const done = await cli.done;
    expect(done.code).toBe(0);
    const shutdown = done.stdout.slice(done.stdout.indexOf('SIGINT: shutting down'));
    expect(shutdown.match(/OpenCode stopped/g)).toHaveLength(1);
    expect(done.stdout).not.toMatch(/failed to start|listening on/);
  }, 120_000);

  it('shuts down cleanly when whoever read its output has gone (a closed pipe)', async () => {
    const repo = await tempRepo();
    const cli = startCli([repo, '--no-open', '--port', '0', '--opencode-url', 'http://127.0.0.1:9'], /ready at/);
    await cli.started;
    // Like \`opencode-studio | head -3\` once head has exited: the shutdown lines have nowhere to go.
    cli.child.stdout!.destroy();
    cli.child.kill('SIGTERM');
    const done = await cli.done;
    expect(done.stderr).not.toMatch(/EPIPE|Unhandled/);
    expect(done.code).toBe(0);
    await expect(fs.access(`${repo}/.opencode-studio/runtime/server.json`)).rejects.toThrow();
  });

  it('warns when binding beyond loopback', async () => {
    const repo = await tempRepo();
    const cli = startCli([repo, '--no-open', '--port', '0', '--host', '0.0.0.0'], /ready at/);
    try {
      await cli.started;
      expect(cli.output().stdout).toMatch(/Warning: binding to 0\.0\.0\.0/);
      // The start sets up the merge driver and says so, once.
      expect(cli.output().stdout.match(/Git merges task files field by field/g)).toHaveLength(1);
    } finally {
      cli.child.kill('SIGTERM');
    }
    await cli.done;
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
