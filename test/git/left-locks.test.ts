import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { gitJournalDir, processStart } from '../../server/git/git-journal.js';
import { removeLeftLocks } from '../../server/git/left-locks.js';
import { startStudio, stopStudios } from '../helpers/studio.js';
import { waitFor } from '../helpers/wait.js';
import { makeRepo, useTempRepos, write } from './helpers.js';

useTempRepos();

const ROOT = path.resolve(import.meta.dirname, '../..');
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
  await stopStudios();
});

/**
 * A studio process in its own process group, journaling in `stateHome`, that starts a `git commit`
 * through the studio's git wrapper; the repo's pre-commit hook sleeps, so git holds index.lock.
 */
async function studioMidCommit(root: string, stateHome: string): Promise<ChildProcess> {
  const hook = path.join(root, '.git/hooks/pre-commit');
  writeFileSync(hook, '#!/bin/sh\nsleep 60\n');
  chmodSync(hook, 0o755);
  write(root, { 'src/app.ts': 'export const a = 2;\n' });
  const script = `
    import { gitJournal, gitJournalDir } from './server/git/git-journal.ts';
    import { gitAt } from './server/git/repo.ts';
    gitJournal.open(gitJournalDir(${JSON.stringify(stateHome)}));
    await gitAt(${JSON.stringify(root)}).raw(['commit', '-am', 'mid-commit']);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: ROOT,
    detached: true,
    stdio: 'ignore',
  });
  children.push(child);
  await waitFor(() => existsSync(path.join(root, '.git/index.lock')), 'git holds index.lock', 30_000);
  return child;
}

/** kill -9 of the whole group: the studio, its git, the hook. */
async function killGroup(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  process.kill(-child.pid!, 'SIGKILL');
  await exited;
}

describe("git's lock files left by a killed studio", () => {
  it('the next start removes the index.lock a studio killed mid-commit left, and only that', async () => {
    const root = makeRepo();
    const stateHome = mkdtempSync(path.join(os.tmpdir(), 'studio-state-'));
    // A lock from before the killed studio's step: not provably its own.
    const older = path.join(root, '.git/refs/heads/older.lock');
    writeFileSync(older, '');
    const hourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(older, hourAgo, hourAgo);

    await killGroup(await studioMidCommit(root, stateHome));
    const lock = path.join(root, '.git/index.lock');
    expect(existsSync(lock), 'the kill left the lock').toBe(true);
    expect(readdirSync(gitJournalDir(stateHome))).toHaveLength(1);

    const logged: string[] = [];
    await startStudio({ root, keepToken: { stateHome }, log: (line) => logged.push(line) });
    expect(existsSync(lock)).toBe(false);
    expect(logged.join('\n')).toContain(`Removed ${lock}: a git command of a killed studio made it and never finished.`);
    expect(existsSync(older), 'a lock older than the step stays').toBe(true);
    // The killed studio's journal is done with; the running studio keeps its own.
    expect(readdirSync(gitJournalDir(stateHome))).toEqual([`${process.pid}.log`]);
  });

  it('leaves the locks of a studio that is still running, and of one whose lock a live process holds', async () => {
    const root = makeRepo();
    const dir = gitJournalDir(mkdtempSync(path.join(os.tmpdir(), 'studio-state-')));
    const lock = path.join(root, '.git/index.lock');

    // A running process (its pid and start time in the journal's first line) with a git step open.
    const running = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
    children.push(running);
    await waitFor(() => processStart(running.pid!) !== null, 'sleep started');
    const journal = (pid: number, start: string) => `${pid} ${start}\n+1 ${Date.now() - 1_000} ${root}\n`;
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, `${running.pid}.log`), journal(running.pid!, processStart(running.pid!)!));
    writeFileSync(lock, '');
    expect(await removeLeftLocks(dir)).toEqual([]);
    expect(existsSync(lock)).toBe(true);

    // The same journal with another start time: that process is gone (its pid was reused), but a
    // live process holds the lock open.
    writeFileSync(path.join(dir, `${running.pid}.log`), journal(running.pid!, '1'));
    const holder = spawn('/bin/sh', ['-c', 'exec 3>>"$1"; echo held; exec sleep 60', 'holder', lock], {
      detached: true,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    children.push(holder);
    await new Promise((resolve) => holder.stdout!.once('data', resolve));
    const left = await removeLeftLocks(dir);
    expect(left).toEqual([{ lock, removed: false, why: expect.stringContaining(`process ${holder.pid}`) }]);
    expect(existsSync(lock)).toBe(true);
    expect(readdirSync(dir)).toEqual([]);
  });
});
