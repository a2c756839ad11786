import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, type Stats } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { Task } from '../../shared/task.js';
import { STUDIO_VERSION } from '../version.js';
import { writeFileAtomic } from './atomic-file.js';

/** Below this many task files a start-up reads them all in a few tens of milliseconds: no cache. */
export const CACHE_MIN_TASKS = 500;
/** File times are coarser than writes: a file changed this close before it was read is read again next time. */
const RACY_MS = 1_000;

/** What tells a file's content apart without reading it: any write changes its ctime, and usually its size and mtime. */
type Stamp = [ino: number, size: number, mtimeMs: number, ctimeMs: number];
type Entry = { stamp: Stamp; readAt: number; task: Task };
type CacheFile = { key: string; entries: Record<string, [...Stamp, number, Task]> };

/**
 * The tasks of a large board as the last start read them, so that the next one reads and checks
 * only the files that changed since (as git's index does for the working tree). The files stay the
 * truth: an entry is used only when the file's inode, size, mtime and ctime are what they were
 * when it was read, and never for a file that changed within a second of that read.
 *
 * It lives in the user's cache folder, never in the repo: a cloned repo cannot plant tasks that
 * skip the schema check. It is keyed by the studio's version and the task schema, and anything
 * wrong with it (missing, corrupt, another version) just means a full read.
 */
export class TaskCache {
  private readonly entries = new Map<string, Entry>();
  private dirty = false;

  private constructor(
    readonly file: string,
    private readonly key: string,
  ) {}

  /** The cache of the workspace at `root`, loaded; null for a board too small to need one. */
  static open(root: string, taskFiles: number): TaskCache | null {
    if (taskFiles < CACHE_MIN_TASKS) return null;
    const dir = path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'opencode-studio');
    const name = createHash('sha256').update(path.resolve(root)).digest('hex').slice(0, 24);
    const cache = new TaskCache(path.join(dir, `tasks-${name}.json`), cacheKey());
    try {
      const data = JSON.parse(readFileSync(cache.file, 'utf8')) as CacheFile;
      if (data.key !== cache.key) return cache;
      for (const [id, [ino, size, mtimeMs, ctimeMs, readAt, task]] of Object.entries(data.entries))
        if (task?.id === id) cache.entries.set(id, { stamp: [ino, size, mtimeMs, ctimeMs], readAt, task });
    } catch {
      // No cache yet, or one that cannot be used: the start reads every file, and writes a new one.
    }
    return cache;
  }

  /** The task as cached, if the file is exactly as it was when it was read. */
  hit(id: string, st: Stats): Task | null {
    const entry = this.entries.get(id);
    if (!entry) return null;
    const [ino, size, mtimeMs, ctimeMs] = entry.stamp;
    if (st.ino !== ino || st.size !== size || st.mtimeMs !== mtimeMs || st.ctimeMs !== ctimeMs) return null;
    return ctimeMs > entry.readAt - RACY_MS ? null : entry.task;
  }

  /** A file read (its stat taken before the read, at `readAt` or later) and found to hold `task`. */
  record(id: string, st: Stats, readAt: number, task: Task): void {
    this.entries.set(id, { stamp: [st.ino, st.size, st.mtimeMs, st.ctimeMs], readAt, task });
    this.dirty = true;
  }

  /** The task changed (or went) after the load: the next start reads its file. */
  forget(id: string): void {
    if (this.entries.delete(id)) this.dirty = true;
  }

  /** Keeps only these ids (the files the load found). */
  retain(ids: ReadonlySet<string>): void {
    for (const id of this.entries.keys()) if (!ids.has(id)) this.forget(id);
  }

  get changed(): boolean {
    return this.dirty;
  }

  private saving: Promise<void> = Promise.resolve();

  /** Writes the cache if it changed; one write at a time, and a shutdown waits for the one under way. */
  save(): Promise<void> {
    this.saving = this.saving.then(() => this.write());
    return this.saving;
  }

  private async write(): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    const entries: CacheFile['entries'] = {};
    for (const [id, { stamp, readAt, task }] of this.entries) entries[id] = [...stamp, readAt, task];
    try {
      mkdirSync(path.dirname(this.file), { recursive: true });
      await writeFileAtomic(this.file, JSON.stringify({ key: this.key, entries } satisfies CacheFile));
    } catch (err) {
      this.dirty = true;
      console.error(`could not write the task cache ${this.file} (the next start reads every file): ${(err as Error).message}`);
    }
  }
}

let key: string | null = null;
function cacheKey(): string {
  key ??= createHash('sha256')
    .update(STUDIO_VERSION)
    .update(JSON.stringify(z.toJSONSchema(Task, { unrepresentable: 'any' })))
    .digest('hex');
  return key;
}
