import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import type { AddCommentInput, ReviewComment } from '../../shared/comments.js';
import type { Task } from '../../shared/task.js';
import { InvalidInputError, NotFoundError, PreconditionError } from '../errors.js';
import type { EventBus } from '../events/event-bus.js';
import { changedHunks, fileLines, followLines, mergeBaseOf, stillRemoved } from '../git/line-anchor.js';
import type { Repo } from '../git/repo.js';
import { KeyedLock } from '../store/keyed-lock.js';
import type { StudioStore } from '../store/studio-store.js';
import { aiFindings } from './review-findings.js';

type Place = { head: string; base: string; files: Set<string> };

/**
 * Review comments on lines of a task's diff. Line numbers refer to a commit of the task branch;
 * when the branch moves on (a fix), open comments follow their lines, or become `outdated` when
 * those lines changed.
 */
export class CommentService {
  private readonly lock = new KeyedLock();

  constructor(
    private readonly store: StudioStore,
    private readonly repo: Repo,
  ) {}

  /** Keep comments in step with the branch: after the agent commits, and when a review is written. */
  watch(bus: EventBus): () => void {
    return bus.on((e) => {
      if (e.type === 'task.updated' && FOLLOW_IN.has(e.task.status) && e.task.branch)
        this.queue(e.task.id, (task) => this.follow(task));
      else if (e.type === 'review.updated') this.queue(e.taskId, (task) => this.mirrorReview(task, e.markdown));
    });
  }

  /** Resolves when the work queued so far is done (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private readonly pending = new Set<Promise<void>>();
  private queue(id: string, work: (task: Task) => Promise<void>): void {
    const run = this.lock
      .run(id, async () => {
        const task = this.store.tasks.find(id);
        if (task) await work(task);
      })
      .catch((err) => console.error(`review comments of ${id}:`, err))
      .finally(() => this.pending.delete(run));
    this.pending.add(run);
  }

  list(id: string): Promise<ReviewComment[]> {
    this.store.tasks.get(id);
    return this.store.comments.list(id);
  }

  /** `author` is `agent` when one of the studio's agent sessions comments on its own task. */
  async add(input: z.infer<typeof AddCommentInput>, author: 'person' | 'agent' = 'person'): Promise<ReviewComment> {
    const task = this.store.tasks.get(input.id);
    const place = await this.place(task);
    if (!place.files.has(input.path))
      throw new InvalidInputError(`"${input.path}" is not a file the task branch changes; comment on a file of its diff`);
    const lines = (await fileLines(this.repo, input.side === 'new' ? place.head : place.base, input.path)) ?? [];
    const end = input.endLine ?? input.line;
    if (end > lines.length)
      throw new InvalidInputError(
        `${input.path} has ${lines.length} line(s) on the ${input.side === 'new' ? 'branch' : 'base'} side; line ${end} is not one of them`,
      );
    const now = new Date().toISOString();
    const comment: ReviewComment = {
      id: `c-${randomBytes(4).toString('hex')}`,
      path: input.path,
      side: input.side,
      line: input.line,
      endLine: input.endLine ?? null,
      body: input.body,
      status: 'open',
      author,
      quote: lines.slice(input.line - 1, end),
      commit: place.head,
      createdAt: now,
      updatedAt: now,
    };
    await this.store.comments.update(input.id, (list) => [...list, comment]);
    return comment;
  }

  update(id: string, commentId: string, body: string): Promise<ReviewComment> {
    return this.change(id, commentId, () => ({ body }));
  }

  resolve(id: string, commentId: string, resolved: boolean): Promise<ReviewComment> {
    return this.change(id, commentId, (c) => ({ status: resolved ? 'resolved' : c.status === 'resolved' ? 'open' : c.status }));
  }

  async delete(id: string, commentId: string): Promise<void> {
    this.store.tasks.get(id);
    await this.store.comments.update(id, (list) => {
      if (!list.some((c) => c.id === commentId)) throw notFound(commentId);
      return list.filter((c) => c.id !== commentId);
    });
  }

  /** Open comments follow the branch to its current head; those whose lines changed become outdated. */
  async follow(task: Task): Promise<void> {
    const head = task.branch ? await this.repo.branchHead(task.branch) : null;
    if (!head) return;
    const comments = await this.store.comments.list(task.id);
    if (!comments.some((c) => moves(c, head))) return;
    const place = await this.place(task);
    const moved = new Map<string, Partial<ReviewComment>>();
    for (const c of comments) {
      if (!moves(c, head) || !c.commit) continue;
      const end = c.endLine ?? c.line;
      if (c.side === 'old') {
        const hunks = await changedHunks(this.repo, place.base, head, c.path);
        moved.set(c.id, stillRemoved(hunks, c.line, end) ? { commit: head } : { status: 'outdated' });
        continue;
      }
      const where = followLines(await changedHunks(this.repo, c.commit, head, c.path), c.line, end);
      moved.set(
        c.id,
        where === 'changed'
          ? { status: 'outdated' }
          : { line: where.start, endLine: c.endLine === null ? null : where.end, commit: head },
      );
    }
    const now = new Date().toISOString();
    await this.store.comments.update(task.id, (list) =>
      list.map((c) => {
        const patch = moved.get(c.id);
        return patch && c.status === 'open' ? { ...c, ...patch, updatedAt: now } : c;
      }),
    );
  }

  /** The AI's comments mirror the findings of the latest review that name `path:line` of the diff. */
  async mirrorReview(task: Task, markdown: string | null): Promise<void> {
    const current = await this.store.comments.list(task.id);
    if (!markdown && !current.some((c) => c.author === 'ai')) return;
    const place = markdown && task.branch ? await this.place(task).catch(() => null) : null;
    const found = place && markdown ? aiFindings(markdown, place.files) : [];
    const now = new Date().toISOString();
    const ai: ReviewComment[] = [];
    for (const f of found) {
      const lines = (await fileLines(this.repo, place!.head, f.path)) ?? [];
      if (f.line > lines.length) continue;
      const end = Math.min(f.endLine ?? f.line, lines.length);
      ai.push({
        id: `ai-${randomBytes(4).toString('hex')}`,
        path: f.path,
        side: 'new',
        line: f.line,
        endLine: f.endLine === null ? null : end,
        body: f.body,
        status: 'open',
        author: 'ai',
        quote: lines.slice(f.line - 1, end),
        commit: place!.head,
        createdAt: now,
        updatedAt: now,
      });
    }
    await this.store.comments.update(task.id, (list) => {
      const kept = list.filter((c) => c.author !== 'ai');
      return kept.length === list.length && ai.length === 0 ? null : [...kept, ...ai];
    });
  }

  private async change(
    id: string,
    commentId: string,
    patch: (c: ReviewComment) => Partial<ReviewComment>,
  ): Promise<ReviewComment> {
    this.store.tasks.get(id);
    let out: ReviewComment | undefined;
    await this.store.comments.update(id, (list) => {
      const at = list.findIndex((c) => c.id === commentId);
      if (at < 0) throw notFound(commentId);
      out = { ...list[at]!, ...patch(list[at]!), updatedAt: new Date().toISOString() };
      return list.with(at, out);
    });
    return out!;
  }

  private async place(task: Task): Promise<Place> {
    const branch = task.branch;
    const head = branch ? await this.repo.branchHead(branch) : null;
    if (!branch || !head)
      throw new PreconditionError(`"${task.title}" has no branch with changes yet; there is nothing to comment on`, 'no-branch');
    const baseTip = await this.repo.branchHead(this.store.config.get().baseBranch);
    const base = baseTip ? await mergeBaseOf(this.repo, baseTip, head) : null;
    if (!base) throw new PreconditionError(`the base branch of "${task.title}" is missing`, 'no-branch');
    const names = await this.repo.git.raw(['diff', '--no-color', '--no-ext-diff', '--name-only', '-z', base, head]);
    return { head, base, files: new Set(names.split('\0').filter(Boolean)) };
  }
}

/** After the agent commits, the task is in AI review or Review: that is when lines may have moved. */
const FOLLOW_IN = new Set<Task['status']>(['ai_review', 'review']);

function moves(c: ReviewComment, head: string): boolean {
  return c.status === 'open' && c.commit !== null && c.commit !== head;
}

function notFound(commentId: string): NotFoundError {
  return new NotFoundError(`no comment "${commentId}" on this task`);
}
