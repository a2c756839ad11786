import path from 'node:path';
import { type FSWatcher, watch } from 'chokidar';
import { TEMP_SUFFIX } from './atomic-file.js';
import type { WorkspacePaths } from './paths.js';
import type { SyncResult } from './task-store.js';
import { skipListings } from './unlisted-folders.js';

export type SyncPath = (file: string, final: boolean) => Promise<SyncResult>;

/** How long a path must be quiet before we read it; unlinks wait longer, since editors save by delete + rename. */
const SETTLE_MS = 5;
const UNLINK_SETTLE_MS = 60;
/** A file that does not parse is read once more after this long before it is reported: it may be half-written. */
const RECHECK_MS = 150;
/** After our own write, the file is read again this long after (see OwnWrites). */
const OWN_WRITE_RECHECK_MS = [60, 250];

/**
 * Turns any change under `.opencode-studio/` (an editor, git, a script) into a sync of that
 * one path. Each path is debounced on its own, so a burst of 500 files costs 500 reads, and
 * a temp-file-and-rename save ends in one read of the final content.
 *
 * chokidar watches the folders (they may be deleted and made again, by git or by hand) and
 * config.json. The files inside the folders are the studio's own to filter: each folder's watch
 * names the entry that changed, which is all a sync needs. That spares chokidar a watch of its own
 * on each of 10,000 task files and the stat it makes before reporting a change.
 */
export class WorkspaceWatcher {
  private watcher: FSWatcher | null = null;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly rechecks = new Set<NodeJS.Timeout>();
  private pending = new Set<Promise<unknown>>();

  constructor(
    private readonly paths: WorkspacePaths,
    private readonly sync: SyncPath,
    /** Brings every file in line with the disk (a folder was deleted or made again). */
    private readonly rescan: () => Promise<void>,
  ) {}

  start(): Promise<void> {
    const runtime = this.paths.runtime;
    this.watcher = watch(this.paths.dir, {
      ignoreInitial: true,
      depth: 1,
      ignored: (file) =>
        file === runtime ||
        file.startsWith(runtime + path.sep) ||
        path.basename(file).endsWith(TEMP_SUFFIX) ||
        this.inFolder(file),
    });
    skipListings(this.watcher, (dir) => path.dirname(dir) === this.paths.dir);
    this.watcher.on('raw', (_event, name, details) => {
      const folder = (details as { watchedPath?: string } | undefined)?.watchedPath;
      if (typeof name !== 'string' || !folder || path.dirname(folder) !== this.paths.dir) return;
      const file = path.join(folder, name);
      if (this.paths.classify(file)) this.schedule(file, SETTLE_MS, false);
    });
    this.watcher.on('all', (event, file) => {
      if (event === 'addDir' || event === 'unlinkDir') {
        // A folder that vanished or came back: its files came and went without events of their own.
        if (path.dirname(file) === this.paths.dir) this.rescanFolders();
        return;
      }
      if (!this.paths.classify(file)) return;
      this.schedule(file, event === 'unlink' ? UNLINK_SETTLE_MS : SETTLE_MS, false);
    });
    this.watcher.on('error', (err) => console.error('watcher error:', err));
    return new Promise((resolve) => this.watcher!.once('ready', () => resolve()));
  }

  /** A file directly inside one of the workspace's folders (tasks/, plans/, …): the studio's to watch, not chokidar's. */
  private inFolder(file: string): boolean {
    const rel = path.relative(this.paths.dir, file);
    return rel.split(path.sep).length === 2 && !rel.startsWith('..');
  }

  private rescanFolders(): void {
    const run = this.rescan()
      .catch((err) => console.error('could not read the workspace again after a folder changed:', err))
      .finally(() => this.pending.delete(run));
    this.pending.add(run);
  }

  /** Read a file the store just wrote once more shortly, in case a hand edit slipped past the watch. */
  recheck(file: string): void {
    if (!this.watcher) return;
    for (const delay of OWN_WRITE_RECHECK_MS) {
      const timer = setTimeout(() => {
        this.rechecks.delete(timer);
        if (!this.timers.has(file)) this.schedule(file, 0, false);
      }, delay);
      this.rechecks.add(timer);
    }
  }

  private schedule(file: string, delay: number, final: boolean): void {
    const existing = this.timers.get(file);
    if (existing) clearTimeout(existing);
    this.timers.set(
      file,
      setTimeout(() => {
        this.timers.delete(file);
        const run = this.sync(file, final)
          .then((result) => {
            if (result === 'retry' && !this.timers.has(file)) this.schedule(file, RECHECK_MS, true);
          })
          .catch((err) => console.error(`could not read ${this.paths.relative(file)}:`, err))
          .finally(() => this.pending.delete(run));
        this.pending.add(run);
      }, delay),
    );
  }

  /** Resolves once nothing is scheduled or running (tests and shutdown). */
  async idle(): Promise<void> {
    while (this.timers.size > 0 || this.pending.size > 0 || this.rechecks.size > 0) {
      await Promise.all(this.pending);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async close(): Promise<void> {
    for (const timer of [...this.timers.values(), ...this.rechecks]) clearTimeout(timer);
    this.timers.clear();
    this.rechecks.clear();
    await this.watcher?.close();
    await Promise.all(this.pending);
  }
}
