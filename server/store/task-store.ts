import fs from 'node:fs/promises';
import type { IssueRef } from '../../shared/github.js';
import { TASK_STATUSES, Task, type TaskStatus } from '../../shared/task.js';
import { InvalidFileError, NotFoundError, PreconditionError } from '../errors.js';
import type { EventBus } from '../events/event-bus.js';
import { StorageFaultError } from '../lib/storage-fault.js';
import { makeDir, readTextOrNull, removeTempFiles, writeFileAtomic } from './atomic-file.js';
import { replaceIfUnchanged } from './guarded-write.js';
import { KeyedLock } from './keyed-lock.js';
import { OwnWrites } from './own-writes.js';
import type { WorkspacePaths } from './paths.js';
import type { Problems } from './problems.js';
import type { TaskCache } from './task-cache.js';
import { newTaskId, sameTask, serializeTask } from './task-file.js';
import { readTaskFolder } from './task-load.js';
import { parseTaskText, type ReadResult, readTaskFile } from './task-read.js';

export type TaskPatch = Partial<Omit<Task, 'id' | 'createdAt' | 'updatedAt'>>;
export type NewTask = {
  title: string;
  description?: string;
  labels?: string[];
  parent?: string;
  dependsOn?: string[];
  autoStart?: boolean;
  /** The GitHub issue it is imported from. */
  issue?: IssueRef;
};
/** A file that changes under every attempt this many times in a row gets the write refused. */
const MAX_WRITE_ATTEMPTS = 20;

export type SyncResult = 'unchanged' | 'changed' | 'invalid' | 'retry';

const STATUS_RANK = new Map<TaskStatus, number>(TASK_STATUSES.map((s, i) => [s, i]));
/**
 * Tasks: files on disk are the truth, the in-memory index serves reads. Every mutation
 * re-reads the file first (a hand edit since the last event is kept), and every write
 * emits exactly one event; the watcher's echo of our own write is recognised by its text.
 */
export class TaskStore {
  private readonly tasks = new Map<string, Task>();
  private readonly knownText = new Map<string, string>();
  /** Compact JSON of each task (made when a list first needs it) and of whole lists, so a 10,000-task list is sent without serializing it again. */
  private readonly compact = new Map<string, string>();
  private listCache = new Map<string, Buffer>();
  private readonly lock = new KeyedLock();
  private sorted: Task[] | null = null;
  private cache: TaskCache | null = null;

  constructor(
    private readonly paths: WorkspacePaths,
    private readonly bus: EventBus,
    private readonly problems: Problems,
    private readonly ownWrites = new OwnWrites(),
  ) {}

  /**
   * Startup: reads every task file, or for a large board every file that changed since the last
   * start (see TaskCache). Synchronous on purpose: nothing else runs yet, and 10,000 small reads in
   * a loop are several times faster than through the thread pool.
   */
  async load(): Promise<void> {
    const read = readTaskFolder(this.paths, this.problems);
    for (const { id, task, text } of read.tasks) {
      this.tasks.set(id, task);
      if (text !== null) this.knownText.set(id, text);
    }
    this.changed();
    this.cache = read.cache;
    await removeTempFiles(this.paths.tasks, read.temps);
  }

  /** Writes the start-up cache if the board changed since it was read (at shutdown, and once after a start that read files). */
  async saveCache(): Promise<void> {
    await this.cache?.save();
  }

  get cacheChanged(): boolean {
    return this.cache?.changed ?? false;
  }

  list(status?: TaskStatus): Task[] {
    if (!this.sorted) {
      this.sorted = [...this.tasks.values()].sort(
        (a, b) =>
          STATUS_RANK.get(a.status)! - STATUS_RANK.get(b.status)! || a.order - b.order || a.createdAt.localeCompare(b.createdAt),
      );
    }
    return status ? this.sorted.filter((t) => t.status === status) : this.sorted;
  }

  /** `list(status)` as JSON bytes, cached until the next change. */
  listJson(status?: TaskStatus): Buffer {
    const key = status ?? '';
    let cached = this.listCache.get(key);
    if (!cached) {
      cached = Buffer.from(
        `[${this.list(status)
          .map((t) => this.compactJson(t))
          .join(',')}]`,
      );
      this.listCache.set(key, cached);
    }
    return cached;
  }

  private compactJson(task: Task): string {
    let json = this.compact.get(task.id);
    if (json === undefined) {
      json = JSON.stringify(task);
      this.compact.set(task.id, json);
    }
    return json;
  }

  get(id: string): Task {
    const task = this.tasks.get(id);
    if (!task) throw new NotFoundError(`no task "${id}"`);
    return task;
  }

  find(id: string): Task | undefined {
    return this.tasks.get(id);
  }

  get size(): number {
    return this.tasks.size;
  }

  async create(input: NewTask): Promise<Task> {
    const now = new Date().toISOString();
    let id = newTaskId(input.title);
    while (this.tasks.has(id) || (await readTextOrNull(this.paths.task(id))) !== null) id = newTaskId(input.title);
    let last = 0;
    for (const t of this.tasks.values()) if (t.status === 'todo' && t.order > last) last = t.order;
    // Fields the input leaves out take the schema's defaults.
    const task = Task.parse({ ...input, id, status: 'todo', order: last + 1, createdAt: now, updatedAt: now });
    return this.lock.run(id, async () => {
      const text = serializeTask(task);
      // A git checkout of a branch without the board removes tasks/: bring it back rather than fail.
      await makeDir(this.paths.tasks).catch((err) => {
        if (err instanceof StorageFaultError) throw err;
        throw new InvalidFileError(
          this.paths.relative(this.paths.tasks),
          `cannot be used as the tasks folder (${(err as NodeJS.ErrnoException).code}); move it away`,
        );
      });
      await writeFileAtomic(this.paths.task(id), text);
      this.ownWrites.wrote(this.paths.task(id));
      this.remember(id, task, text);
      this.bus.emit({ type: 'task.created', task });
      return task;
    });
  }

  /**
   * Apply a change to the task as it is on disk now. `change` returns null to leave it alone.
   * A file with git's conflict markers is refused unless `conflicted` (the resolution writes it).
   */
  update(id: string, change: (task: Task) => TaskPatch | null, options: { conflicted?: boolean } = {}): Promise<Task> {
    const file = this.paths.task(id);
    return this.lock.run(id, async () => {
      // Set when our write pushed aside a hand save: build on that save; `onDisk` is our text.
      let displaced: { hand: ReadResult; onDisk: string } | null = null;
      for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
        const current: ReadResult | null = displaced?.hand ?? (await this.readFile(id));
        if (current === null) throw new NotFoundError(`no task "${id}"`);
        const expected = displaced?.onDisk ?? current.text;
        if ('error' in current) {
          if (displaced) await this.putBack(file, current.text, expected);
          throw new PreconditionError(
            `${current.path} is malformed (${current.error}); fix the file, then try again`,
            'invalid-file',
          );
        }
        if (current.parsed.markers && !options.conflicted) {
          if (displaced) await this.putBack(file, current.text, expected);
          throw new PreconditionError(
            `${this.paths.relative(file)} has git conflict markers; resolve the merge conflict first`,
            'merge-conflict-in-task',
          );
        }
        const patch = change(current.parsed.task);
        if (patch === null && !displaced) return current.parsed.task;
        const next =
          patch === null
            ? current.parsed.task
            : Task.parse({ ...current.parsed.task, ...withErrorReason(patch), id, updatedAt: new Date().toISOString() });
        const text: string = patch === null ? current.text : serializeTask(next, current.parsed.raw);
        // A hand edit that landed while we computed or wrote must not be overwritten: start again from it.
        const result = await replaceIfUnchanged(file, text, expected);
        if (result.outcome === 'changed') {
          displaced = null;
          continue;
        }
        this.ownWrites.wrote(file);
        if (result.outcome === 'displaced') {
          displaced = { hand: this.parse(id, result.displaced, new Date().toISOString()), onDisk: text };
          continue;
        }
        const existed = this.tasks.has(id);
        this.remember(id, next, text);
        this.problems.clear(this.paths.relative(file));
        this.bus.emit(existed ? { type: 'task.updated', task: next } : { type: 'task.created', task: next });
        return next;
      }
      throw new PreconditionError(
        `${this.paths.relative(file)} kept changing on disk while the studio wrote it; nothing was changed, try again`,
        'busy-file',
      );
    });
  }

  /** Restore a person's save that our write pushed aside, unless yet another save replaced ours meanwhile. */
  private async putBack(file: string, text: string, expected: string): Promise<void> {
    const result = await replaceIfUnchanged(file, text, expected);
    if (result.outcome !== 'changed') this.ownWrites.wrote(file);
  }

  patch(id: string, patch: TaskPatch): Promise<Task> {
    return this.update(id, () => patch);
  }

  delete(id: string): Promise<void> {
    const file = this.paths.task(id);
    return this.lock.run(id, async () => {
      const onDisk = await readTextOrNull(file);
      if (onDisk === null && !this.tasks.has(id)) throw new NotFoundError(`no task "${id}"`);
      await fs.rm(file, { force: true });
      this.ownWrites.wrote(file);
      this.forget(id);
      this.problems.clear(this.paths.relative(file));
      this.bus.emit({ type: 'task.deleted', taskId: id });
    });
  }

  /** Bring memory in line with the file after someone else touched it. */
  sync(id: string, final: boolean): Promise<SyncResult> {
    return this.lock.run(id, async () => {
      const rel = this.paths.relative(this.paths.task(id));
      const result = await this.readFile(id);
      if (result === null) {
        this.problems.clear(rel);
        if (!this.tasks.has(id)) return 'unchanged';
        // Editors save by delete + create; on a busy machine the create can come late. Look again before calling it deleted.
        if (!final) return 'retry';
        this.forget(id);
        this.bus.emit({ type: 'task.deleted', taskId: id });
        return 'changed';
      }
      if (result.text === this.knownText.get(id)) {
        // The same text as before a problem that kept it from being read (a chmod back): the problem is over.
        if (!('error' in result) && !result.parsed.markers) this.problems.clear(rel);
        return 'unchanged';
      }
      if ('error' in result) {
        if (!final) return 'retry';
        this.problems.report(rel, result.error);
        return 'invalid';
      }
      if (result.parsed.markers) this.problems.report(rel, result.parsed.markers, 'merge-conflict');
      else this.problems.clear(rel);
      const previous = this.tasks.get(id);
      const next = result.parsed.task;
      this.remember(id, next, result.text);
      if (previous && sameTask(previous, next)) return 'unchanged';
      this.bus.emit(previous ? { type: 'task.updated', task: next } : { type: 'task.created', task: next });
      return 'changed';
    });
  }

  /** Throws InvalidFileError for a malformed file; null when there is none. */
  async readParsed(id: string): Promise<Task | null> {
    const result = await this.readFile(id);
    if (result === null) return null;
    if ('error' in result) throw new InvalidFileError(result.path, result.error);
    return result.parsed.task;
  }

  private readFile(id: string): Promise<ReadResult | null> {
    return readTaskFile(this.paths, id);
  }

  private parse(id: string, text: string, fileTime: string): ReadResult {
    return parseTaskText(this.paths, id, text, fileTime);
  }

  private remember(id: string, task: Task, text: string): void {
    this.cache?.forget(id);
    this.tasks.set(id, task);
    this.knownText.set(id, text);
    this.compact.delete(id);
    this.changed();
  }

  private forget(id: string): void {
    this.cache?.forget(id);
    this.tasks.delete(id);
    this.knownText.delete(id);
    this.compact.delete(id);
    this.changed();
  }

  private changed(): void {
    this.sorted = null;
    if (this.listCache.size) this.listCache = new Map();
  }
}

/** A new `error` without a reason of its own drops the old one: a reason never outlives its error. */
function withErrorReason(patch: TaskPatch): TaskPatch {
  return 'error' in patch && !('errorReason' in patch) ? { ...patch, errorReason: undefined } : patch;
}
