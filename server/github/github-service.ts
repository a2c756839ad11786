import type { GithubLinkInfo } from '../../shared/github.js';
import type { ImportIssuesInput, ImportIssuesResult } from '../../shared/github-api.js';
import type { Task } from '../../shared/task.js';
import { errorMessage } from '../errors.js';
import type { EventBus } from '../events/event-bus.js';
import type { Repo } from '../git/repo.js';
import type { AgentActions } from '../orchestrator/agent-actions.js';
import type { StudioStore } from '../store/studio-store.js';
import { createClient, type GithubAccess, type GithubSession } from './client.js';
import { importIssues } from './issue-import.js';
import { type LinkResult, resolveLink, type TrustCheck } from './link.js';
import { PullRequests } from './pull-requests.js';
import type { Env } from './token.js';

export interface GithubOptions {
  /** Where GH_TOKEN, GITHUB_TOKEN and GITHUB_API_URL are read; default the process's environment. */
  env?: Env;
  /** Whether the user trusts a committed setting that sends the token somewhere (`github.apiUrl`); by default nothing is. */
  trusted?: TrustCheck;
  /** Retries of a request that failed for the network or a 5xx (default 2). */
  retries?: number;
  /** GitHub's pacing of writes and secondary rate limits (default on; see `ClientOptions.pace`). */
  pace?: boolean;
  /** How often open pull requests are looked at while the studio runs (default 60 s). */
  pollMs?: number;
}

/** The studio's side of GitHub: the forge link, pull requests, checks and comments, issues that become tasks. */
export class GithubService implements GithubAccess {
  readonly pullRequests: PullRequests;
  private linked: Promise<LinkResult> | null = null;
  private linkedAt = 0;
  private session: GithubSession | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopWatch: (() => void) | null = null;

  constructor(
    readonly store: StudioStore,
    readonly repo: Repo,
    agent: AgentActions,
    private readonly options: GithubOptions = {},
  ) {
    this.pullRequests = new PullRequests(this, agent);
  }

  private env(): Env {
    return this.options.env ?? process.env;
  }

  /** The link as it is now (worked out once, again after a config change). */
  resolve(): Promise<LinkResult> {
    // Kept a little while: a trust given since, or a `gh auth login`, counts without a restart.
    if (!this.linked || Date.now() - this.linkedAt > 30_000) {
      this.linkedAt = Date.now();
      this.linked = resolveLink(this.repo, this.store.config.get(), this.env(), this.options.trusted ?? (async () => false));
    }
    return this.linked;
  }

  /** Worked out afresh: project.info shows a remote added or a token set a moment ago. */
  async info(): Promise<GithubLinkInfo> {
    this.linked = null;
    return (await this.resolve()).info;
  }

  /** The link and its client, or the reason the studio cannot work through GitHub. */
  async connect(): Promise<GithubSession> {
    const { link, problem } = await this.resolve();
    if (!link) throw problem!;
    if (this.session?.link !== link)
      this.session = {
        link,
        client: createClient(link, { retries: this.options.retries ?? 2, pace: this.options.pace ?? true }),
      };
    return this.session;
  }

  importIssues(input: ImportIssuesInput): Promise<ImportIssuesResult> {
    return importIssues(this, input);
  }

  openPullRequest(id: string, draft: boolean): Promise<Task> {
    return this.pullRequests.open(id, draft);
  }

  syncPullRequest(id: string): Promise<Task> {
    return this.pullRequests.sync(id);
  }

  /** While the studio runs: follow open pull requests, push fixes, and re-read the link when the config changes. */
  start(bus: EventBus): void {
    this.stopWatch = bus.on((e) => {
      if (e.type === 'config.updated') this.linked = null;
      if (e.type === 'task.updated') this.pullRequests.taskChanged(e.task);
    });
    const every = this.options.pollMs ?? 60_000;
    const tick = () => {
      this.timer = setTimeout(() => {
        this.pullRequests
          .pollOpen()
          .catch((err) => console.error('following pull requests:', errorMessage(err)))
          .finally(() => {
            if (this.timer) tick();
          });
      }, every);
      this.timer.unref();
    };
    tick();
  }

  async close(): Promise<void> {
    this.stopWatch?.();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.pullRequests.idle();
  }
}
