import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { EventBus } from '../../server/events/event-bus.js';
import { createStudioClient } from '../../server/script-client.js';
import { ActivityLog } from '../../server/store/activity-log.js';
import { writeTemp } from '../../server/store/atomic-file.js';
import { claimRuntime, recordOpencodePid, releaseRuntime } from '../../server/store/runtime-file.js';
import { initWorkspace } from '../../server/store/workspace.js';
import { startStudio, stopStudios } from '../helpers/studio.js';
import { git, removeTempDirs, tempDir, tempRepo } from '../helpers/temp-repo.js';

afterEach(stopStudios);
afterAll(removeTempDirs);

const untracked = (root: string) => git(root, 'status', '--porcelain', '--untracked-files=all').split('\n');

describe('files a crash leaves in .opencode-studio/', () => {
  it('a temp file left by a kill -9 mid-write is ignored by git', async () => {
    const root = await tempRepo();
    const { paths } = await initWorkspace(root, 'main');
    // What a kill -9 between writing the temp file and renaming it leaves behind.
    const temps = await Promise.all([
      writeTemp(paths.task('left-behind-abc123'), '{}\n'),
      writeTemp(paths.plan('left-behind-abc123'), '# half\n'),
      writeTemp(paths.config, '{}\n'),
    ]);
    const status = untracked(root);
    expect(status).toContain('?? .opencode-studio/config.json');
    for (const temp of temps) expect(status.join('\n')).not.toContain(temp.slice(root.length + 1));
    for (const temp of temps) expect(git(root, 'check-ignore', temp)).toBe(temp);
  });

  it('an existing workspace whose .gitignore predates the temp-file line gets it, keeping its own lines', async () => {
    const root = await tempRepo();
    await fs.mkdir(`${root}/.opencode-studio`);
    await fs.writeFile(`${root}/.opencode-studio/.gitignore`, 'runtime\nmine.txt');
    const { created } = await initWorkspace(root, 'main');
    expect(created).not.toContain('.opencode-studio/.gitignore');
    expect(await fs.readFile(`${root}/.opencode-studio/.gitignore`, 'utf8')).toBe('runtime\nmine.txt\n*.studio-tmp\n');
    await initWorkspace(root, 'main');
    expect(await fs.readFile(`${root}/.opencode-studio/.gitignore`, 'utf8')).toBe('runtime\nmine.txt\n*.studio-tmp\n');
  });
});

describe('runtime/server.json', () => {
  it('does not exist while a studio starts (a script is told it is starting), then holds a url and a token', async () => {
    const root = await tempRepo();
    const { paths } = await initWorkspace(root, 'main');
    await claimRuntime(paths); // what a studio holds from its first step until it listens
    await expect(fs.access(paths.serverInfo)).rejects.toThrow();
    expect(() => createStudioClient({ root })).toThrow(/the studio is starting/);
    await releaseRuntime(paths);
    expect(() => createStudioClient({ root })).toThrow(/no running studio/);

    const { studio } = await startStudio({ root });
    const info = JSON.parse(await fs.readFile(paths.serverInfo, 'utf8'));
    expect(info).toMatchObject({ url: studio.url, token: studio.token, pid: process.pid });
    expect(info.url).not.toBe('');
    expect(info.token).not.toBe('');
    await studio.close();
    await expect(fs.access(paths.serverInfo)).rejects.toThrow();
    await expect(fs.access(paths.startLock)).rejects.toThrow();
  });

  it('a start-up lock left by a studio killed -9 is taken over', async () => {
    const root = await tempRepo();
    const { paths } = await initWorkspace(root, 'main');
    const dead = Number(execFileSync('sh', ['-c', 'sh -c "echo \\$\\$"'], { encoding: 'utf8' }).trim());
    await fs.mkdir(paths.runtime, { recursive: true });
    await fs.writeFile(paths.startLock, JSON.stringify({ pid: dead, startedAt: new Date().toISOString() }));
    const { studio } = await startStudio({ root });
    expect(JSON.parse(await fs.readFile(paths.startLock, 'utf8')).pid).toBe(process.pid);
    expect(JSON.parse(await fs.readFile(paths.serverInfo, 'utf8')).url).toBe(studio.url);
  });
});

describe('writes never follow a symbolic link', () => {
  it('a task, plan or pid file is not written through a linked folder; the studio says which', async () => {
    const { paths } = await initWorkspace(await tempRepo(), 'main');
    const outside = await tempDir();
    await fs.rm(paths.plans, { recursive: true });
    await fs.symlink(outside, paths.plans);
    await expect(writeTemp(paths.plan('linked-abc123'), '# no\n')).rejects.toThrow(/plans: is a symbolic link/);
    await fs.symlink(outside, paths.runtime);
    expect(() => recordOpencodePid(paths, 1234)).toThrow(/runtime: is a symbolic link/);
    expect(await fs.readdir(outside)).toEqual([]);
  });
});

describe('the activity log', () => {
  const entry = { kind: 'step', at: '2026-01-01T00:00:00.000Z', phase: 'planning', tokens: 5, cost: 0 } as const;

  it('appends and reads back in order, under the store lock', async () => {
    const { paths } = await initWorkspace(await tempRepo(), 'main');
    const log = new ActivityLog(paths, new EventBus());
    for (let i = 0; i < 20; i++) log.append('logged-abc123', { ...entry, tokens: i });
    expect((await log.read('logged-abc123')).map((e) => (e.kind === 'step' ? e.tokens : -1))).toEqual([...Array(20).keys()]);
    await log.remove('logged-abc123');
    expect(await log.read('logged-abc123')).toEqual([]);
  });

  it('never writes or reads through a symbolic link', async () => {
    const { paths } = await initWorkspace(await tempRepo(), 'main');
    const outside = `${await tempDir()}/secret.txt`;
    await fs.writeFile(outside, 'not yours\n');
    await fs.mkdir(`${paths.runtime}/activity`, { recursive: true });
    await fs.symlink(outside, paths.activity('linked-abc123'));
    const log = new ActivityLog(paths, new EventBus());
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      log.append('linked-abc123', entry);
      await log.flush();
      expect(logged).toHaveBeenCalledTimes(1);
    } finally {
      logged.mockRestore();
    }
    expect(await fs.readFile(outside, 'utf8')).toBe('not yours\n');
    await expect(log.read('linked-abc123')).rejects.toThrow(/symbolic link/);
  });
});
