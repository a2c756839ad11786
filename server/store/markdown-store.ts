import fs from 'node:fs/promises';
import type { EventBus } from '../events/event-bus.js';
import { isFolder, isMissing, readTextOrNull, removeTempFiles, writeFileAtomic } from './atomic-file.js';
import { KeyedLock } from './keyed-lock.js';
import { OwnWrites } from './own-writes.js';
import type { WorkspacePaths } from './paths.js';

/** Plans and reviews: free markdown, one file per task, read from disk so a hand edit always wins. */
export class MarkdownStore {
  private readonly known = new Map<string, string | null>();
  private readonly lock = new KeyedLock();

  constructor(
    private readonly kind: 'plan' | 'review',
    private readonly paths: WorkspacePaths,
    private readonly bus: EventBus,
    private readonly ownWrites = new OwnWrites(),
  ) {}

  async load(): Promise<void> {
    await removeTempFiles(this.kind === 'plan' ? this.paths.plans : this.paths.reviews);
  }

  async read(id: string): Promise<string | null> {
    return readTextOrNull(this.file(id));
  }

  write(id: string, markdown: string): Promise<void> {
    const text = markdown.endsWith('\n') || markdown === '' ? markdown : `${markdown}\n`;
    return this.lock.run(id, async () => {
      await writeFileAtomic(this.file(id), text);
      this.ownWrites.wrote(this.file(id));
      this.changed(id, text);
    });
  }

  /** With `quiet`, no event: deleting a task removes its plan and review as part of that one change. */
  remove(id: string, options: { quiet?: boolean } = {}): Promise<void> {
    return this.lock.run(id, async () => {
      const existed = (await fs.rm(this.file(id), { recursive: false }).then(
        () => true,
        // A folder or special file in its place is not ours to delete: leave it, as if there were none.
        (err) => (isMissing(err) || isFolder(err) ? false : Promise.reject(err)),
      )) as boolean;
      this.ownWrites.wrote(this.file(id));
      if (existed && !options.quiet) this.changed(id, null);
      else this.known.set(id, null);
    });
  }

  sync(id: string): Promise<boolean> {
    return this.lock.run(id, async () => {
      const text = await readTextOrNull(this.file(id));
      if (this.known.has(id) && this.known.get(id) === text) return false;
      this.changed(id, text);
      return true;
    });
  }

  private changed(id: string, text: string | null): void {
    this.known.set(id, text);
    if (this.kind === 'plan') this.bus.emit({ type: 'plan.updated', taskId: id, markdown: text });
    else this.bus.emit({ type: 'review.updated', taskId: id, markdown: text });
  }

  private file(id: string): string {
    return this.kind === 'plan' ? this.paths.plan(id) : this.paths.review(id);
  }
}
