import type { PullRequestRecord } from '../../shared/github.js';
import { busy, isActive } from '../../shared/lifecycle.js';
import type { Task } from '../../shared/task.js';
import { errorMessage, PreconditionError } from '../errors.js';
import { fetchBranch, PushError, pushBranch } from '../git/push.js';
import { removeWorktree, worktreePath } from '../git/worktrees.js';
import type { AgentActions } from '../orchestrator/agent-actions.js';
import { KeyedLock } from '../store/keyed-lock.js';
import { type CheckRunView, failingChecksFeedback, type StatusView, summarizeChecks } from './checks.js';
import type { GithubAccess, GithubSession } from './client.js';
import { GithubError, githubFailure } from './github-error.js';
import { pullRequestBody } from './pr-body.js';
import { commentsFeedback, type LineCommentView, mirrorPullRequestComments, type ReviewView } from './pr-comments.js';

/** The fields of a pull request the task records. */
interface PullView {
  number: number;
  html_url: string;
  state: string;
  draft?: boolean;
  merged_at: string | null;
  updated_at: string;
  head: { sha: string };
}

/**
 * A task's pull request: push and open it (once, however often asked), follow it on GitHub (state,
 * checks, review comments), and land the task when it is merged there.
 */
export class PullRequests {
  private readonly lock = new KeyedLock();
  /** The head each task's branch was last pushed at (GitHub may report the new head a moment later). */
  private readonly pushed = new Map<string, string>();
  private readonly pending = new Set<Promise<unknown>>();
  private pausedUntil = 0;

  constructor(
    private readonly github: GithubAccess,
    private readonly agent: AgentActions,
  ) {}

  private get store() {
    return this.github.store;
  }

  async open(id: string, draft: boolean): Promise<Task> {
    const first = this.store.tasks.get(id);
    if (first.pullRequest?.state === 'open') return this.sync(id);
    assertReview(first, 'open a pull request for');
    const session = await this.github.connect();
    return this.lock.run(id, async () => {
      const task = this.store.tasks.get(id);
      assertReview(task, 'open a pull request for');
      const branch = await this.branchOf(task);
      // Asked first: a token or repository GitHub refuses fails here, before anything is pushed.
      const existing = await this.findOpen(session, branch);
      const head = await this.push(session, branch);
      const pr = existing ?? (await this.create(session, task, branch, draft));
      const record = await this.record(session, pr);
      this.pushed.set(id, head);
      return this.store.tasks.patch(id, { pullRequest: record, error: null });
    });
  }

  /** Reads the PR, its checks and its review comments from GitHub, and follows it: merged → Done, closed → Review. */
  async sync(id: string): Promise<Task> {
    const task = this.store.tasks.get(id);
    if (!task.pullRequest)
      throw new PreconditionError(
        `"${task.title}" has no pull request yet; open one first (Open pull request)`,
        'not-allowed-now',
      );
    const session = await this.github.connect();
    return this.lock.run(id, () => this.follow(session, id));
  }

  /** "Fix failing checks": the fix phase gets the failing checks' names and output; the result is pushed when it is back in Review. */
  async fixChecks(id: string): Promise<Task> {
    const task = await this.sync(id);
    const pr = task.pullRequest!;
    if (pr.checks.state !== 'failing')
      throw new PreconditionError(`no check fails on pull request #${pr.number} of "${task.title}"`, 'not-allowed-now');
    return this.agent.requestChanges(id, failingChecksFeedback(pr.checks));
  }

  /** "Fix PR comments": the open GitHub comments go to the fix phase; they are marked addressed at the head that is pushed then. */
  async fixComments(id: string): Promise<Task> {
    const task = await this.sync(id);
    const open = (await this.store.comments.list(id)).filter((c) => c.author === 'github' && c.status === 'open');
    if (open.length === 0)
      throw new PreconditionError(`no open comment from GitHub on pull request #${task.pullRequest!.number}`, 'not-allowed-now');
    const moved = await this.agent.requestChanges(id, commentsFeedback(open));
    const sent = new Set(open.map((c) => c.id));
    await this.store.comments.update(id, (list) => list.map((c) => (sent.has(c.id) ? { ...c, sentToFix: true } : c)));
    return moved;
  }

  /** Every open PR once (the studio's poll); a used-up rate limit pauses the poll until it resets. */
  async pollOpen(): Promise<void> {
    if (Date.now() < this.pausedUntil) return;
    const open = this.store.tasks.list().filter((t) => t.pullRequest?.state === 'open');
    if (open.length === 0) return;
    const session = await this.github.connect().catch(() => null);
    if (!session) return;
    for (const task of open) {
      try {
        await this.lock.run(task.id, () => this.follow(session, task.id));
      } catch (err) {
        if (err instanceof GithubError && err.reason === 'github-rate-limited') {
          this.pausedUntil = resetOf(err.message) ?? Date.now() + 15 * 60_000;
          return;
        }
        console.error(`following the pull request of ${task.id}:`, errorMessage(err));
      }
    }
  }

  /** A task back in Review with new commits on a branch whose PR is open: push them, so the PR updates. */
  taskChanged(task: Task): void {
    const pr = task.pullRequest;
    if (task.status !== 'review' || pr?.state !== 'open' || isActive(task) || !task.branch) return;
    const work = this.lock
      .run(task.id, async () => {
        const current = this.store.tasks.find(task.id);
        if (!current?.branch || current.pullRequest?.state !== 'open' || isActive(current)) return;
        const head = await this.github.repo.branchHead(current.branch);
        if (!head || head === this.pushed.get(task.id) || head === current.pullRequest.headSha) return;
        const session = await this.github.connect();
        try {
          await this.push(session, current.branch);
        } catch (err) {
          await this.store.tasks.patch(task.id, { error: errorMessage(err) });
          return;
        }
        this.pushed.set(task.id, head);
        await this.markAddressed(task.id, head);
        await this.follow(session, task.id);
      })
      .catch((err) => console.error(`pushing the fix of ${task.id}:`, errorMessage(err)));
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
  }

  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private async follow(session: GithubSession, id: string): Promise<Task> {
    const task = this.store.tasks.get(id);
    const { link, client } = session;
    const number = task.pullRequest!.number;
    const where = { owner: link.owner, repo: link.name, pull_number: number };
    const [pr, lines, reviews] = await call(link.repo, `read pull request #${number}`, () =>
      Promise.all([
        client.rest.pulls.get(where),
        client.rest.pulls.listReviewComments({ ...where, per_page: 100 }),
        client.rest.pulls.listReviews({ ...where, per_page: 100 }),
      ]),
    );
    const record = await this.record(session, pr.data as PullView);
    await mirrorPullRequestComments(this.store, id, lines.data as LineCommentView[], reviews.data as ReviewView[]);
    const before = task.pullRequest!;
    if (record.state === 'merged' && task.status !== 'done' && !isActive(task)) return this.land(session, task, record);
    if (record.state === 'closed' && before.state === 'open' && task.status !== 'done' && !isActive(task))
      return this.store.tasks.patch(id, {
        status: 'review',
        pullRequest: record,
        error: `Pull request #${number} was closed on GitHub without merging; reopen it there, or open a new one.`,
      });
    if (JSON.stringify(record) === JSON.stringify(before)) return task;
    return this.store.tasks.patch(id, { pullRequest: record });
  }

  /** Merged on GitHub: Done, the worktree and local branch go; the base is only fetched, never changed locally. */
  private async land(session: GithubSession, task: Task, record: PullRequestRecord): Promise<Task> {
    const { repo } = this.github;
    const config = this.store.config.get();
    const branch = task.branch ?? `studio/${task.id}`;
    let note: string | null = null;
    try {
      await removeWorktree(repo, { dir: worktreePath(repo.root, config.worktreeDir, task.id), branch, deleteBranch: true });
    } catch (err) {
      note = `Merged on GitHub, but its worktree could not be removed: ${errorMessage(err)}`;
    }
    await fetchBranch(repo, session.link.remote, config.baseBranch).catch((err) =>
      console.error(`fetching ${config.baseBranch} after #${record.number} merged:`, errorMessage(err)),
    );
    this.pushed.delete(task.id);
    return this.store.tasks.patch(task.id, { status: 'done', run: null, error: note, pullRequest: record });
  }

  private async branchOf(task: Task): Promise<string> {
    const branch = task.branch;
    if (!branch || !(await this.github.repo.branchExists(branch)))
      throw new PreconditionError(`"${task.title}" has no branch to push; start it first`, 'no-branch');
    return branch;
  }

  private async push(session: GithubSession, branch: string): Promise<string> {
    try {
      return await pushBranch(this.github.repo, session.link.remote, branch);
    } catch (err) {
      if (err instanceof PushError) throw new GithubError(err.message, err.reason);
      throw err;
    }
  }

  private async findOpen({ link, client }: GithubSession, branch: string): Promise<PullView | null> {
    const found = await call(link.repo, 'look for an open pull request', () =>
      client.rest.pulls.list({ owner: link.owner, repo: link.name, head: `${link.owner}:${branch}`, state: 'open' }),
    );
    return (found.data[0] as PullView | undefined) ?? null;
  }

  private async create(session: GithubSession, task: Task, branch: string, draft: boolean): Promise<PullView> {
    const { link, client } = session;
    const base = this.store.config.get().baseBranch;
    const [plan, comments] = await Promise.all([this.store.plans.read(task.id), this.store.comments.list(task.id)]);
    try {
      const made = await client.rest.pulls.create({
        owner: link.owner,
        repo: link.name,
        title: task.title,
        body: pullRequestBody(task, plan, comments),
        head: branch,
        base,
        draft,
      });
      return made.data as PullView;
    } catch (err) {
      const failure = githubFailure(err, 'open the pull request', link.repo);
      // A create that raced another (or an earlier try that GitHub did take): link the one that exists.
      if (failure.reason === 'github-unprocessable' && /already exists/i.test(failure.message)) {
        const existing = await this.findOpen(session, branch);
        if (existing) return existing;
      }
      if (failure.reason === 'github-unprocessable' && /base/i.test(failure.message))
        throw new GithubError(
          `${failure.message}; push the base branch ${base} to the remote, or choose the base in the settings`,
          failure.reason,
        );
      throw failure;
    }
  }

  private async record({ link, client }: GithubSession, pr: PullView): Promise<PullRequestRecord> {
    const ref = pr.head.sha;
    const where = { owner: link.owner, repo: link.name, ref };
    const [runs, status] = await call(link.repo, `read the checks of #${pr.number}`, () =>
      Promise.all([client.rest.checks.listForRef({ ...where, per_page: 100 }), client.rest.repos.getCombinedStatusForRef(where)]),
    );
    return {
      number: pr.number,
      url: pr.html_url,
      state: pr.merged_at ? 'merged' : pr.state === 'closed' ? 'closed' : 'open',
      draft: pr.draft ?? false,
      headSha: pr.head.sha,
      checks: summarizeChecks(runs.data.check_runs as CheckRunView[], status.data.statuses as StatusView[]),
      updatedAt: pr.updated_at,
    };
  }

  private async markAddressed(id: string, head: string): Promise<void> {
    const now = new Date().toISOString();
    await this.store.comments.update(id, (list) =>
      list.some((c) => c.sentToFix)
        ? list.map((c) => {
            if (!c.sentToFix) return c;
            const { sentToFix: _sent, ...rest } = c;
            return { ...rest, status: 'resolved' as const, addressedAt: head, updatedAt: now };
          })
        : null,
    );
  }
}

function assertReview(task: Task, doing: string): void {
  if (isActive(task)) {
    const refused = busy(task);
    throw new PreconditionError(refused.message, refused.reason);
  }
  if (task.status !== 'review')
    throw new PreconditionError(`cannot ${doing} "${task.title}": it is not in Review`, 'not-allowed-now');
}

async function call<T>(repo: string, doing: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw githubFailure(err, doing, repo);
  }
}

function resetOf(message: string): number | null {
  const at = /resets at (\S+?);/.exec(message)?.[1];
  const time = at ? Date.parse(at) : Number.NaN;
  return Number.isFinite(time) ? time : null;
}
