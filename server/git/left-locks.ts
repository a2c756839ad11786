/**
 * At start: the git lock files that a killed studio provably left, removed. Provably means all of:
 * - the journal of a studio process that is gone (git-journal.ts) says a git command of it was
 *   still running in that repository when it ended;
 * - the lock file is in that repository's git folder and was made after that command started;
 * - no running process has it open, and no git process runs in that repository now.
 * Any other lock file stays: the git steps that meet it wait, then name it (git-lock.ts).
 */
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { gitJournalDir, type OpenStep, openSteps, processStart } from './git-journal.js';
import { lockHolder } from './git-lock.js';

/** File times and clocks may disagree by this much (a coarse file system). */
const CLOCK_SLACK_MS = 1_000;

export type LeftLock = { lock: string; removed: boolean; why: string };

export async function removeLeftLocks(dir = gitJournalDir()): Promise<LeftLock[]> {
  const found: LeftLock[] = [];
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const file = path.join(dir, name);
    const text = await readFile(file, 'utf8').catch(() => null);
    if (text === null || !name.endsWith('.log')) continue;
    const [pid, started] = (text.split('\n')[0] ?? '').split(' ');
    if (Number(pid) === process.pid || stillRunning(Number(pid), started)) continue;
    for (const step of openSteps(text)) found.push(...(await leftBy(step)));
    await rm(file, { force: true });
  }
  return found;
}

function stillRunning(pid: number, started: string | undefined): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  const now = processStart(pid);
  return now !== null && (started === '?' || now === started);
}

async function leftBy(step: OpenStep): Promise<LeftLock[]> {
  const dirs = await gitDirs(step.dir);
  if (!dirs) return [];
  const locks = new Set<string>();
  for (const d of new Set([dirs.gitDir, dirs.commonDir])) for (const lock of await locksIn(d, false)) locks.add(lock);
  for (const lock of await locksIn(path.join(dirs.commonDir, 'refs'), true)) locks.add(lock);
  const out: LeftLock[] = [];
  for (const lock of locks) {
    const made = await stat(lock).then(
      (s) => s.mtimeMs,
      () => null,
    );
    if (made === null) continue;
    if (made < step.startedMs - CLOCK_SLACK_MS) {
      out.push({ lock, removed: false, why: 'it is older than the git command the killed studio was running' });
      continue;
    }
    const holder = await lockHolder(lock);
    if (holder) {
      out.push({ lock, removed: false, why: `${holder} may hold it` });
      continue;
    }
    await rm(lock, { force: true });
    out.push({ lock, removed: true, why: 'a git command of a killed studio made it and never finished' });
  }
  return out;
}

/** The git folder of a checkout or worktree, and the repository's common one; read from `.git`, without running git. */
async function gitDirs(dir: string): Promise<{ gitDir: string; commonDir: string } | null> {
  const dotGit = path.join(dir, '.git');
  const info = await stat(dotGit).catch(() => null);
  if (!info) return null;
  if (info.isDirectory()) return { gitDir: dotGit, commonDir: dotGit };
  const pointer = /^gitdir: (.+)$/m.exec(await readFile(dotGit, 'utf8').catch(() => ''))?.[1]?.trim();
  if (!pointer) return null;
  const gitDir = path.resolve(dir, pointer);
  const common = (await readFile(path.join(gitDir, 'commondir'), 'utf8').catch(() => '')).trim();
  return { gitDir, commonDir: common ? path.resolve(gitDir, common) : gitDir };
}

async function locksIn(dir: string, deep: boolean): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: deep }).catch(() => []);
  return entries.filter((e) => e.isFile() && e.name.endsWith('.lock')).map((e) => path.join(e.parentPath ?? dir, e.name));
}
