/**
 * git's own lock files (`index.lock`, `HEAD.lock`, a ref's `.lock`) held by another process: an
 * editor in `git commit`, a `git gc`, the user's own git in the same repository. The studio's
 * git steps wait for them with backoff, up to a bound, then fail naming the lock and the
 * process that holds it (read from /proc), so the person knows what to close or remove.
 */
import { access, readdir, readFile, readlink } from 'node:fs/promises';
import path from 'node:path';
import { PreconditionError } from '../errors.js';

/** How long a git step waits for another process's lock before it fails. */
export const GIT_LOCK_WAIT_MS = 10_000;
/** From this long into a wait, and this far apart, the wait looks for the lock's holder. */
const UNHELD_LOOK_MS = 1_000;
const LOCK_HELD = /Unable to create '([^']+\.lock)': File exists/;

export class GitLockedError extends PreconditionError {
  override name = 'GitLockedError';
  constructor(
    readonly lock: string,
    holder: string | null,
    waitedMs: number,
  ) {
    super(
      holder
        ? `git's lock file ${lock} is held by ${holder}; the studio waited ${Math.round(waitedMs / 1000)} s for it. Let that finish (or close the editor it opened), then try again`
        : `git's lock file ${lock} exists but no running process holds it, so a git command probably stopped half-way; if no git command is running in this repository, remove it (rm '${lock}') and try again`,
      'git-locked',
    );
  }
}

/** A lock file seen before a git command that would not name it when it fails on it. */
class LockSeen extends Error {
  constructor(readonly lock: string) {
    super(`${lock} exists`);
  }
}

/** The lock file a git failure names, or null when it failed for another reason. */
export function heldLock(err: unknown): string | null {
  if (err instanceof LockSeen) return err.lock;
  return LOCK_HELD.exec(err instanceof Error ? err.message : String(err))?.[1] ?? null;
}

/**
 * Waits, with the same backoff and bound, until `lock` is gone. For git commands that fail on a
 * held lock without naming it (`git merge` says only "Unable to write index.").
 */
export function waitForLockGone(lock: string, waitMs = GIT_LOCK_WAIT_MS): Promise<void> {
  return waitForGitLocks(async () => {
    const exists = await access(lock).then(
      () => true,
      () => false,
    );
    if (exists) throw new LockSeen(lock);
  }, waitMs);
}

/**
 * Runs a git step, again and again with backoff while another process holds one of git's locks.
 * A lock that no running process holds (and no git runs in that repository) at two looks a
 * second apart is left over from a git that stopped: waiting out the bound would not free it,
 * so the step fails then, saying how to remove it.
 */
export async function waitForGitLocks<T>(step: () => Promise<T>, waitMs = GIT_LOCK_WAIT_MS): Promise<T> {
  const started = Date.now();
  // The lock last seen with no holder, and since when.
  const unheld: { lock: string | null; since: number } = { lock: null, since: 0 };
  for (let delay = 50; ; delay = Math.min(delay * 2, 1_000)) {
    try {
      return await step();
    } catch (err) {
      const lock = heldLock(err);
      if (!lock) throw err;
      const waited = Date.now() - started;
      if (waited + delay > waitMs) throw new GitLockedError(lock, await lockHolder(lock), waited);
      if (waited >= UNHELD_LOOK_MS) {
        if ((await lockHolder(lock)) !== null) unheld.lock = null;
        else if (unheld.lock !== lock) Object.assign(unheld, { lock, since: Date.now() });
        else if (Date.now() - unheld.since >= UNHELD_LOOK_MS) throw new GitLockedError(lock, null, waited);
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

/**
 * Who holds a lock file: the process that has it open, else a git process running in that
 * repository (it may be about to take it again). Linux's /proc; null where there is none.
 */
export async function lockHolder(lock: string): Promise<string | null> {
  const repo = lock.slice(0, Math.max(0, lock.indexOf(`${path.sep}.git${path.sep}`))) || path.dirname(lock);
  let gitInRepo: string | null = null;
  for (const pid of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
    for (const fd of fds) if ((await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '')) === lock) return describe(pid);
    if (!gitInRepo) {
      const cwd = await readlink(`/proc/${pid}/cwd`).catch(() => '');
      if (cwd.startsWith(repo) && (await commandOf(pid)).split(' ')[0]?.endsWith('git')) gitInRepo = pid;
    }
  }
  return gitInRepo ? describe(gitInRepo) : null;
}

async function commandOf(pid: string): Promise<string> {
  const raw = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return raw.split('\0').filter(Boolean).join(' ');
}

async function describe(pid: string): Promise<string> {
  const command = await commandOf(pid);
  return `process ${pid}${command ? ` (${command.length > 120 ? `${command.slice(0, 117)}…` : command})` : ''}`;
}
