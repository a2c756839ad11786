import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { waitFor } from './wait.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const groups = new Set<ChildProcess>();

/**
 * A studio process in its own process group, journaling in `stateHome`, that starts a `git commit`
 * through the studio's git wrapper; the repo's pre-commit hook sleeps, so git holds index.lock.
 */
export async function studioMidCommit(root: string, stateHome: string): Promise<ChildProcess> {
  const hook = path.join(root, '.git/hooks/pre-commit');
  writeFileSync(hook, '#!/bin/sh\nsleep 60\n');
  chmodSync(hook, 0o755);
  await fs.appendFile(path.join(root, 'README.md'), 'a change being committed\n');
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
  groups.add(child);
  child.once('exit', () => groups.delete(child));
  await waitFor(() => existsSync(path.join(root, '.git/index.lock')), 'git holds index.lock', 30_000);
  return child;
}

/** kill -9 of the whole group: the studio, its git, the hook. The hook is removed again. */
export async function killGroup(child: ChildProcess, root: string): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  process.kill(-child.pid!, 'SIGKILL');
  await exited;
  await fs.rm(path.join(root, '.git/hooks/pre-commit'), { force: true });
}

/** A real process that creates a lock file and keeps it open, as git does while it writes. */
export async function holdOpen(file: string): Promise<ChildProcess> {
  const child = spawn('/bin/sh', ['-c', 'exec 3>>"$1"; echo held; exec sleep 600', 'lock-holder', file], {
    detached: true,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  groups.add(child);
  child.once('exit', () => groups.delete(child));
  await new Promise((resolve) => child.stdout!.once('data', resolve));
  return child;
}

/** Stops every process group started here (afterEach). */
export function killGitFaultProcesses(): void {
  for (const child of groups) if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
  groups.clear();
}
