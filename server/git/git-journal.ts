/**
 * Which git commands this process has running, so that a later start can tell the lock files a
 * killed studio left from anyone else's. A studio killed with `kill -9` together with its git
 * (a closed terminal, an OOM kill of the group) leaves `index.lock` or a ref's lock behind, and
 * every later git step in that repository fails on it.
 *
 * One file per process, `<state>/opencode-studio/git-steps/<pid>.log`: a first line naming the
 * process (its pid and start time, so a reused pid is not taken for it), then `+<seq> <ms> <dir>`
 * when a git command starts and `-<seq>` when it ends. The lines are plain appends on an open
 * descriptor (no fsync): they outlive a killed process, which is what they are for.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function gitJournalDir(stateHome = process.env.XDG_STATE_HOME): string {
  return path.join(stateHome || path.join(os.homedir(), '.local', 'state'), 'opencode-studio', 'git-steps');
}

/** A process's start time in clock ticks since boot (Linux), or null where /proc cannot say. */
export function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22; the command (field 2) is in parentheses and may hold spaces.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

export class GitJournal {
  private fd: number | null = null;
  private file: string | null = null;
  private seq = 0;

  /** Starts writing this process's journal in `dir` (once per process; later calls keep the first). */
  open(dir = gitJournalDir()): void {
    if (this.fd !== null) return;
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      this.file = path.join(dir, `${process.pid}.log`);
      this.fd = openSync(this.file, 'w', 0o600);
      writeSync(this.fd, `${process.pid} ${processStart(process.pid) ?? '?'}\n`);
      process.once('exit', () => this.close());
    } catch (err) {
      // Without a journal a killed studio's locks are reported, not removed: not worth failing a start.
      console.error(`opencode-studio: cannot keep the git journal in ${dir}: ${(err as Error).message}`);
      this.fd = null;
    }
  }

  /** Runs one git command, noted as running in `dir` while it does. */
  async step<T>(dir: string, run: () => Promise<T>): Promise<T> {
    if (this.fd === null) return run();
    const seq = ++this.seq;
    this.write(`+${seq} ${Date.now()} ${dir}\n`);
    try {
      return await run();
    } finally {
      this.write(`-${seq}\n`);
    }
  }

  /** Where this process's journal is being written, or null when none is open. */
  get path(): string | null {
    return this.fd === null ? null : this.file;
  }

  /** Stops and removes this process's journal (at a clean exit nothing is running). */
  close(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
    if (this.file) rmSync(this.file, { force: true });
  }

  private write(line: string): void {
    if (this.fd === null) return;
    try {
      writeSync(this.fd, line);
    } catch {
      // A full disk: the journal only helps after a kill; the git step itself matters more.
    }
  }
}

/** This process's journal: every git command the studio runs goes through it (repo.ts `gitAt`). */
export const gitJournal = new GitJournal();

export type OpenStep = { dir: string; startedMs: number };

/** The git commands a journal says were still running when its process ended. */
export function openSteps(text: string): OpenStep[] {
  const open = new Map<string, OpenStep>();
  for (const line of text.split('\n').slice(1)) {
    const started = /^\+(\d+) (\d+) (.+)$/.exec(line);
    if (started) open.set(started[1]!, { startedMs: Number(started[2]), dir: started[3]! });
    else if (line.startsWith('-')) open.delete(line.slice(1));
  }
  return [...open.values()];
}
