import fs from 'node:fs/promises';
import path from 'node:path';
import type { EventBus } from '../events/event-bus.js';
import { ActivityLog } from './activity-log.js';
import { CommentStore } from './comment-store.js';
import { ConfigStore } from './config-store.js';
import { MarkdownStore } from './markdown-store.js';
import { OwnWrites } from './own-writes.js';
import { WorkspacePaths } from './paths.js';
import { Problems } from './problems.js';
import { StorageHealth } from './storage-health.js';
import { type SyncResult, TaskStore } from './task-store.js';
import { WorkspaceWatcher } from './watcher.js';

const CACHE_SAVE_DELAY_MS = 5_000;

/** The workspace store: every file under `.opencode-studio/` goes through here, and every change becomes one bus event. */
export class StudioStore {
  readonly paths: WorkspacePaths;
  readonly problems: Problems;
  readonly tasks: TaskStore;
  readonly plans: MarkdownStore;
  readonly reviews: MarkdownStore;
  readonly comments: CommentStore;
  readonly config: ConfigStore;
  /** Whether the disk takes our writes: the last refusal (full, read-only, no permission) until a write succeeds. */
  readonly storage: StorageHealth;
  private readonly unwatchStorage: () => void;
  /** The one activity log: every writer (phases, requests, dependencies) appends through it, under its one lock. */
  readonly activity: ActivityLog;
  private watcher: WorkspaceWatcher | null = null;
  private cacheTimer: NodeJS.Timeout | null = null;
  private readonly ownWrites = new OwnWrites();

  private constructor(
    root: string,
    readonly bus: EventBus,
  ) {
    this.paths = new WorkspacePaths(root);
    this.storage = new StorageHealth(bus, root);
    this.unwatchStorage = this.storage.watch(this.paths.dir);
    this.problems = new Problems(bus);
    this.tasks = new TaskStore(this.paths, bus, this.problems, this.ownWrites);
    this.plans = new MarkdownStore('plan', this.paths, bus, this.ownWrites);
    this.reviews = new MarkdownStore('review', this.paths, bus, this.ownWrites);
    this.comments = new CommentStore(this.paths, bus, this.problems, this.ownWrites);
    this.config = new ConfigStore(this.paths, bus, this.problems, this.ownWrites);
    this.activity = new ActivityLog(this.paths, bus);
  }

  /**
   * Reads config (throws InvalidConfigError naming the field) and every task. With `watch`, the
   * watcher is up first (it lists only the top folder, so that is quick): whatever changes while
   * the files are read is read again once the load is done, and nothing slips between the two.
   */
  static async open(root: string, bus: EventBus, options: { watch?: boolean } = {}): Promise<StudioStore> {
    const store = new StudioStore(root, bus);
    try {
      if (options.watch) await store.watch();
      await store.config.load();
      await Promise.all([store.tasks.load(), store.plans.load(), store.reviews.load(), store.comments.load()]);
    } catch (err) {
      await store.close();
      throw err;
    }
    // A start that had to read files leaves the next one a cache (see TaskCache), once things have settled.
    if (store.tasks.cacheChanged) {
      store.cacheTimer = setTimeout(() => void store.tasks.saveCache(), CACHE_SAVE_DELAY_MS);
      store.cacheTimer.unref();
    }
    return store;
  }

  /** Sync every file, and every task whose file vanished: after a folder was deleted or made again. */
  private async resync(): Promise<void> {
    const taskFiles = new Set<string>();
    for (const dir of [this.paths.tasks, this.paths.plans, this.paths.reviews, this.paths.comments]) {
      for (const name of await fs.readdir(dir).catch(() => [] as string[])) {
        const file = path.join(dir, name);
        const cls = this.paths.classify(file);
        if (!cls) continue;
        if (cls.kind === 'task') taskFiles.add(file);
        await this.syncPath(file, true);
      }
    }
    for (const task of this.tasks.list())
      if (!taskFiles.has(this.paths.task(task.id))) await this.syncPath(this.paths.task(task.id), true);
    await this.syncPath(this.paths.config, true);
  }

  async watch(): Promise<void> {
    if (this.watcher) return;
    this.watcher = new WorkspaceWatcher(
      this.paths,
      (file, final) => this.syncPath(file, final),
      () => this.resync(),
    );
    const watcher = this.watcher;
    this.ownWrites.listener = (file) => watcher.recheck(file);
    await this.watcher.start();
  }

  async syncPath(file: string, final: boolean): Promise<SyncResult> {
    const cls = this.paths.classify(file);
    if (!cls) return 'unchanged';
    if (cls.kind === 'config') {
      await this.config.sync();
      return 'changed';
    }
    const id = cls.id!;
    if (cls.kind === 'task') return this.tasks.sync(id, final);
    if (cls.kind === 'comments') return (await this.comments.sync(id)) ? 'changed' : 'unchanged';
    const changed = await (cls.kind === 'plan' ? this.plans : this.reviews).sync(id);
    return changed ? 'changed' : 'unchanged';
  }

  /** Deletes the task with its plan, review and comments. */
  async deleteTask(id: string): Promise<void> {
    await this.tasks.delete(id);
    await Promise.all([
      this.plans.remove(id, { quiet: true }),
      this.reviews.remove(id, { quiet: true }),
      this.comments.remove(id, { quiet: true }),
    ]);
  }

  async idle(): Promise<void> {
    await this.watcher?.idle();
  }

  async close(): Promise<void> {
    if (this.cacheTimer) clearTimeout(this.cacheTimer);
    await this.tasks.saveCache();
    await this.activity.flush();
    this.ownWrites.listener = null;
    this.unwatchStorage();
    await this.watcher?.close();
    this.watcher = null;
  }
}
