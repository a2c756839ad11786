import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { gitJournal, gitJournalDir, processStart } from '../../server/git/git-journal.js';
import { removeLeftLocks } from '../../server/git/left-locks.js';
import { holdOpen, killGitFaultProcesses, killGroup, studioMidCommit } from '../helpers/git-faults.js';
import { startStudio, stopStudios } from '../helpers/studio.js';
import { waitFor } from '../helpers/wait.js';
import { makeRepo, useTempRepos } from './helpers.js';

useTempRepos();

afterEach(async () => {
  killGitFaultProcesses();
  await stopStudios();
});

describe("git's lock files left by a killed studio", () => {
  it('the next start removes the index.lock a studio killed mid-commit left, and only that', async () => {
    const root = makeRepo();
    const stateHome = mkdtempSync(path.join(os.tmpdir(), 'studio-state-'));
    // A lock from before the killed studio's step: not provably its own.
    const older = path.join(root, '.git/refs/heads/older.lock');
    writeFileSync(older, '');
    const hourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(older, hourAgo, hourAgo);

    await killGroup(await studioMidCommit(root, stateHome), root);
    const lock = path.join(root, '.git/index.lock');
    expect(existsSync(lock), 'the kill left the lock').toBe(true);
    expect(readdirSync(gitJournalDir(stateHome))).toHaveLength(1);

    const { studio } = await startStudio({ root, keepToken: { stateHome } });
    expect(existsSync(lock)).toBe(false);
    expect(studio.removedLocks).toEqual([lock]);
    expect(existsSync(older), 'a lock older than the step stays').toBe(true);
    // The killed studio's journal is done with; the running studio keeps its own. The journal is
    // one per process: where tests share a process (the unit project), it may sit in another
    // test's state folder.
    const ours = gitJournal.path;
    expect(ours && existsSync(ours), 'this process keeps its journal').toBe(true);
    expect(readdirSync(gitJournalDir(stateHome)).filter((f) => f !== path.basename(ours!))).toEqual([]);
  });

  it('leaves the locks of a studio that is still running, and of one whose lock a live process holds', async () => {
    const root = makeRepo();
    const dir = gitJournalDir(mkdtempSync(path.join(os.tmpdir(), 'studio-state-')));
    const lock = path.join(root, '.git/index.lock');

    // A running process (its pid and start time in the journal's first line) with a git step open.
    const running = spawn('sleep', ['60'], { stdio: 'ignore' });
    onTestFinished(() => {
      running.kill('SIGKILL');
    });
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
    const holder = await holdOpen(lock);
    const left = await removeLeftLocks(dir);
    expect(left).toEqual([{ lock, removed: false, why: expect.stringContaining(`process ${holder.pid}`) }]);
    expect(existsSync(lock)).toBe(true);
    expect(readdirSync(dir)).toEqual([]);
  });
});
