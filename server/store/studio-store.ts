import type { EventBus } from '../events/event-bus.js';
import { ConfigStore } from './config-store.js';
import { MarkdownStore } from './markdown-store.js';
import { OwnWrites } from './own-writes.js';
import { WorkspacePaths } from './paths.js';
import { Problems } from './problems.js';
import { type SyncResult, TaskStore } from './task-store.js';
import { WorkspaceWatcher } from './watcher.js';

/** The workspace store: every file under `.opencode-studio/` goes through here, and every change becomes one bus event. */
export class StudioStore {
  readonly paths: WorkspacePaths;
  readonly problems: Problems;
  readonly tasks: TaskStore;
  readonly plans: MarkdownStore;
  readonly reviews: MarkdownStore;
  readonly config: ConfigStore;
  private watcher: WorkspaceWatcher | null = null;
  private readonly ownWrites = new OwnWrites();

  private constructor(
    root: string,
    readonly bus: EventBus,
  ) {
    this.paths = new WorkspacePaths(root);
    this.problems = new Problems(bus);
    this.tasks = new TaskStore(this.paths, bus, this.problems, this.ownWrites);
    this.plans = new MarkdownStore('plan', this.paths, bus, this.ownWrites);
    this.reviews = new MarkdownStore('review', this.paths, bus, this.ownWrites);
    this.config = new ConfigStore(this.paths, bus, this.problems, this.ownWrites);
  }

  /**
   * Reads config (throws InvalidConfigError naming the field) and every task. With `watch`, the
   * watcher's initial scan runs alongside the load: a change during the load is synced like any other.
   */
  static async open(root: string, bus: EventBus, options: { watch?: boolean } = {}): Promise<StudioStore> {
    const store = new StudioStore(root, bus);
    await store.config.load();
    try {
      await Promise.all([store.tasks.load(), store.plans.load(), store.reviews.load(), options.watch ? store.watch() : null]);
    } catch (err) {
      await store.close();
      throw err;
    }
    return store;
  }

  async watch(): Promise<void> {
    if (this.watcher) return;
    this.watcher = new WorkspaceWatcher(this.paths, (file, final) => this.syncPath(file, final));
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
    const changed = await (cls.kind === 'plan' ? this.plans : this.reviews).sync(id);
    return changed ? 'changed' : 'unchanged';
  }

  /** Deletes the task with its plan and review. */
  async deleteTask(id: string): Promise<void> {
    await this.tasks.delete(id);
    await Promise.all([this.plans.remove(id), this.reviews.remove(id)]);
  }

  async idle(): Promise<void> {
    await this.watcher?.idle();
  }

  async close(): Promise<void> {
    this.ownWrites.listener = null;
    await this.watcher?.close();
    this.watcher = null;
  }
}
