import fs from 'node:fs/promises';
import path from 'node:path';
import { COMMENT_KEY_ORDER, CommentsFile, type ReviewComment } from '../../shared/comments.js';
import { InvalidFileError } from '../errors.js';
import type { EventBus } from '../events/event-bus.js';
import { describeZodIssues } from '../lib/zod-issues.js';
import { isFolder, isMissing, makeDir, readTextOrNull, removeTempFiles, writeFileAtomic } from './atomic-file.js';
import { canonicalJson, parseJsonObject } from './canonical.js';
import { KeyedLock } from './keyed-lock.js';
import { OwnWrites } from './own-writes.js';
import type { WorkspacePaths } from './paths.js';
import type { Problems } from './problems.js';

type Read = { text: string | null; comments: ReviewComment[]; raw: Record<string, unknown> | null };

export function parseComments(text: string): { comments: ReviewComment[]; raw: Record<string, unknown> } {
  const raw = parseJsonObject(text);
  const result = CommentsFile.safeParse(raw);
  if (!result.success) throw new Error(describeZodIssues(result.error.issues));
  const ids = new Set<string>();
  for (const c of result.data.comments) {
    if (ids.has(c.id)) throw new Error(`two comments have the id "${c.id}"`);
    ids.add(c.id);
  }
  return { comments: result.data.comments, raw };
}

export function serializeComments(comments: ReviewComment[], raw: Record<string, unknown> | null): string {
  const list = comments.map((c) => JSON.parse(canonicalJson(c, COMMENT_KEY_ORDER)) as Record<string, unknown>);
  return canonicalJson({ ...(raw ?? {}), comments: list }, ['comments'], raw ?? undefined);
}

/**
 * Review comments: `comments/<task id>.json`, one file per task, read from disk on every use so a
 * hand edit always wins. Each change is one `comments.updated` event with the task's whole list.
 */
export class CommentStore {
  private readonly known = new Map<string, string | null>();
  private readonly lock = new KeyedLock();

  constructor(
    private readonly paths: WorkspacePaths,
    private readonly bus: EventBus,
    private readonly problems: Problems,
    private readonly ownWrites = new OwnWrites(),
  ) {}

  /** Start-up: clean temp files and note the files that do not parse, for the banner. */
  async load(): Promise<void> {
    await removeTempFiles(this.paths.comments);
    const names = await fs.readdir(this.paths.comments).catch((err) => (isMissing(err) ? [] : Promise.reject(err)));
    for (const name of names) {
      const cls = this.paths.classify(path.join(this.paths.comments, name));
      if (cls?.kind !== 'comments' || !cls.id) continue;
      await this.read(cls.id).then(
        (r) => this.known.set(cls.id!, r.text),
        (err) => this.problems.note(this.paths.relative(this.paths.commentsOf(cls.id!)), problemOf(err)),
      );
    }
  }

  /** The task's comments; InvalidFileError when the file is malformed. */
  async list(id: string): Promise<ReviewComment[]> {
    return (await this.read(id)).comments;
  }

  /** Apply a change to the list as it is on disk now; `change` returns null to leave it alone. */
  update(id: string, change: (comments: ReviewComment[]) => ReviewComment[] | null): Promise<ReviewComment[]> {
    return this.lock.run(id, async () => {
      const current = await this.read(id);
      const next = change(current.comments);
      if (next === null) return current.comments;
      const file = this.paths.commentsOf(id);
      const text = serializeComments(next, current.raw);
      await makeDir(this.paths.comments);
      await writeFileAtomic(file, text);
      this.ownWrites.wrote(file);
      this.changed(id, text, next);
      return next;
    });
  }

  /** With `quiet`, no event: deleting a task removes its comments as part of that one change. */
  remove(id: string, options: { quiet?: boolean } = {}): Promise<void> {
    return this.lock.run(id, async () => {
      const file = this.paths.commentsOf(id);
      const existed = await fs.rm(file).then(
        () => true,
        (err) => (isMissing(err) || isFolder(err) ? false : Promise.reject(err)),
      );
      this.ownWrites.wrote(file);
      this.problems.clear(this.paths.relative(file));
      if (existed && !options.quiet) this.changed(id, null, []);
      else this.known.set(id, null);
    });
  }

  /** After someone else touched the file: one event if it changed, a banner if it does not parse. */
  sync(id: string): Promise<boolean> {
    return this.lock.run(id, async () => {
      const rel = this.paths.relative(this.paths.commentsOf(id));
      let current: Read;
      try {
        current = await this.read(id);
      } catch (err) {
        this.problems.report(rel, problemOf(err));
        return false;
      }
      this.problems.clear(rel);
      if (this.known.has(id) && this.known.get(id) === current.text) return false;
      this.changed(id, current.text, current.comments);
      return true;
    });
  }

  private async read(id: string): Promise<Read> {
    const file = this.paths.commentsOf(id);
    const text = await readTextOrNull(file);
    if (text === null) return { text, comments: [], raw: null };
    try {
      return { text, ...parseComments(text) };
    } catch (err) {
      throw new InvalidFileError(this.paths.relative(file), (err as Error).message);
    }
  }

  private changed(id: string, text: string | null, comments: ReviewComment[]): void {
    this.known.set(id, text);
    this.bus.emit({ type: 'comments.updated', taskId: id, comments });
  }
}

function problemOf(err: unknown): string {
  return err instanceof InvalidFileError ? err.detail : (err as Error).message;
}
