import type { ActivityEntry } from '../../shared/activity.js';
import { afterPhase, PHASES } from '../../shared/lifecycle.js';
import { type AgentPhase, branchOf, type Task, type TaskRun, type TaskStatus } from '../../shared/task.js';
import type { Repo } from '../git/repo.js';
import { worktreeOfBranch } from '../git/slot-worktrees.js';
import { createWorktree, worktreeExists, worktreePath } from '../git/worktrees.js';
import type { PhaseResult, RunWatchdog, StudioMcp } from '../opencode/agent-runner.js';
import { permissionRules } from '../opencode/request-channel.js';
import { KeyedLock } from '../store/keyed-lock.js';
import type { StudioStore } from '../store/studio-store.js';
import { TrustBook, trustStateOf, untrustedError } from '../store/trust-book.js';
import { AGENT_TOKEN_ENV, AgentCredentials } from './agent-credentials.js';
import type { PhaseAgent } from './agent-port.js';
import { queuedRun } from './lifecycle-check.js';
import { PHASE_STEPS, type PhaseContext } from './phase-steps.js';
import { buildPrompt, type PromptVars } from './prompts.js';
import type { RequestService } from './requests.js';
import { STUDIO_MCP_NAME, studioMcpCommand } from './studio-mcp.js';
import type { WorktreeEnv } from './task-env.js';
import { prepareWorktree } from './worktree-setup.js';

/** Runs one phase of one task and decides what comes next. Knows prompts, git and transitions; not queues. */
export class PhaseRunner {
  constructor(
    private readonly repo: Repo,
    private readonly store: StudioStore,
    private readonly log: (line: string) => void = () => {},
    private readonly requests?: RequestService,
    private readonly credentials = new AgentCredentials(),
    private readonly env?: WorktreeEnv,
  ) {}

  /** Tasks whose worktree is not at the default path (they took a warm slot). */
  private readonly dirs = new Map<string, string>();

  private readonly lock = new KeyedLock();
  private readonly trust = new TrustBook();
  /** Tasks whose card shows OpenCode retrying; the next activity of any other kind clears it. */
  private readonly retrying = new Set<string>();

  /** Worktree and merge commands change the shared .git; two at once corrupt each other's view of it. */
  gitLock<T>(work: () => Promise<T>): Promise<T> {
    return this.lock.run('repo', work);
  }

  worktreeDir(id: string): string {
    return worktreePath(this.repo.root, this.store.config.get().worktreeDir, id);
  }

  /** Where the task's worktree is: the warm slot it took, else the default path (which may not exist yet). */
  async locate(task: Task): Promise<string> {
    const known = this.dirs.get(task.id);
    if (known) return known;
    const dir = this.worktreeDir(task.id);
    if (!this.env || (await worktreeExists(this.repo, dir))) return dir;
    const held = await worktreeOfBranch(this.repo, branchOf(task));
    if (held) this.dirs.set(task.id, held);
    return held ?? dir;
  }

  /** The task's worktree is gone (merged or deleted). */
  forget(id: string): void {
    this.dirs.delete(id);
  }

  async ensureWorktree(task: Task): Promise<string> {
    const known = this.dirs.get(task.id);
    if (known && (await worktreeExists(this.repo, known))) return known;
    this.dirs.delete(task.id);
    const dir = this.worktreeDir(task.id);
    if (await worktreeExists(this.repo, dir)) return dir;
    // A warm spare first: claim hands one out only while the task branch does not exist yet, and
    // then no worktree can hold it (one `git worktree list` less on the way to the first token).
    const slot = await this.env?.claim(task, branchOf(task));
    const held = !slot && this.env ? await worktreeOfBranch(this.repo, branchOf(task)) : null;
    if (held) {
      this.dirs.set(task.id, held);
      return held;
    }
    if (slot) {
      this.dirs.set(task.id, slot);
      this.store.activity.append(task.id, {
        kind: 'phase',
        at: now(),
        phase: task.run?.phase ?? 'planning',
        state: 'started',
        message: `took the warm worktree ${slot}, set up and ready`,
      });
      return slot;
    }
    this.store.activity.append(task.id, {
      kind: 'phase',
      at: now(),
      phase: task.run?.phase ?? 'planning',
      state: 'started',
      message: `creating the worktree ${dir}`,
    });
    this.log(`Creating the worktree for "${task.title}" in ${dir}…`);
    await this.gitLock(() =>
      createWorktree(this.repo, {
        id: task.id,
        branch: branchOf(task),
        base: this.store.config.get().baseBranch,
        dir,
      }),
    );
    return dir;
  }

  /** Run `phase` to the end; returns the next phase to run, or null when a person is up. */
  async run(
    runner: PhaseAgent,
    id: string,
    phase: AgentPhase,
    signal: AbortSignal,
    resumeSession?: string,
  ): Promise<AgentPhase | null> {
    // Checked again as each phase begins: a pull or an edit may have changed the settings since Start.
    const trust = await trustStateOf(this.repo.root, this.store.config.get(), this.trust);
    if (trust.state === 'untrusted') throw untrustedError(this.repo.root, trust);
    const task = await this.store.tasks.patch(id, {
      run: { ...this.runOf(id, phase), state: 'running', startedAt: now(), activity: null },
    });
    const prepare = async () => {
      const dir = await this.ensureWorktree(task);
      if (!resumeSession) runner.warm?.(dir);
      await this.setUp(task, phase, dir, signal);
      return dir;
    };
    const dir = this.env ? await this.env.foreground(prepare) : await prepare();
    const steps = PHASE_STEPS[phase];
    const ctx = this.context(task, phase, dir, signal);
    const result = await steps.run(ctx, async (vars = {}) => {
      const prompt = await this.prompt(task, phase, { ...(await steps.promptVars(ctx)), ...vars });
      return this.agentRun(runner, task, phase, dir, signal, resumeSession, prompt);
    });
    return this.finish(id, phase, dir, signal, result);
  }

  private context(task: Task, phase: AgentPhase, dir: string, signal: AbortSignal): PhaseContext {
    return {
      task,
      dir,
      signal,
      config: this.store.config.get(),
      repo: this.repo,
      store: this.store,
      note: (message) => this.note(task.id, phase, message),
      gitLock: (work) => this.gitLock(work),
      log: this.log,
    };
  }

  /** A line in the task's Activity about a step of `phase` (a commit, a merge). */
  note(id: string, phase: AgentPhase, message: string): void {
    this.store.activity.append(id, { kind: 'phase', at: now(), phase, state: 'finished', message });
  }

  private async agentRun(
    runner: PhaseAgent,
    task: Task,
    phase: AgentPhase,
    dir: string,
    signal: AbortSignal,
    resumeSession: string | undefined,
    prompt: string,
  ): Promise<PhaseResult> {
    const id = task.id;
    const onActivity = (entry: ActivityEntry) => {
      this.store.activity.append(id, entry);
      this.noteRetry(id, entry);
    };
    this.store.activity.append(id, { kind: 'phase', at: now(), phase, state: 'started' });
    const onRequest = this.requests?.listener(id, phase, dir);
    const watchdog = this.watchdog(id);
    const result = resumeSession
      ? await runner.resume({ directory: dir, sessionId: resumeSession, phase, signal, onActivity, onRequest, watchdog })
      : await runner.runPhase({
          directory: dir,
          agent: PHASES[phase].agent,
          phase,
          title: `${task.title} · ${phase}`,
          prompt,
          model: PHASE_STEPS[phase].model(this.store.config.get().models),
          mcp: this.store.config.get().mcp ? this.studioMcp(id) : null,
          permission: permissionRules(this.store.config.get().permission),
          signal,
          onActivity,
          onRequest,
          watchdog,
          onSession: (sessionId) =>
            void this.store.tasks.update(id, (t) => (t.run ? { run: { ...t.run, sessionId } } : null)).catch(() => undefined),
        });
    this.store.activity.append(id, { kind: 'phase', at: now(), phase, state: 'finished' });
    return result;
  }

  /**
   * `phaseStallSeconds` marks the running phase stalled (the card says "no output for …" and the
   * task needs a person: abort or retry); output clears the mark. `phaseTimeoutMinutes` ends it.
   */
  private watchdog(id: string): RunWatchdog {
    const { phaseStallSeconds, phaseTimeoutMinutes } = this.store.config.get();
    const onStall = (since: string | null) => {
      if (since) this.log(`"${this.store.tasks.find(id)?.title ?? id}" has shown no output since ${since}`);
      void this.store.tasks
        .update(id, (t) =>
          t.run?.state === 'running' && (since !== null || t.run.stalledSince)
            ? { run: { ...t.run, stalledSince: since ?? undefined } }
            : null,
        )
        .catch(() => undefined);
    };
    return { stallMs: phaseStallSeconds * 1000, timeoutMs: Math.round(phaseTimeoutMinutes * 60_000), onStall };
  }

  /** The studio's MCP server for a task's session: its tools act as `agent(id)`, through a credential bound to the task. */
  private studioMcp(id: string): StudioMcp {
    return {
      name: STUDIO_MCP_NAME,
      command: studioMcpCommand(this.repo.root),
      environment: { [AGENT_TOKEN_ENV]: this.credentials.issue(id) },
    };
  }

  /** `worktreeSetup` and `worktreeCopy`, once per new worktree (again on Retry after a failure). */
  private async setUp(task: Task, phase: AgentPhase, dir: string, signal: AbortSignal): Promise<void> {
    const config = this.store.config.get();
    let shown = false;
    await prepareWorktree({
      root: this.repo.root,
      dir,
      taskId: task.id,
      phase,
      commands: config.worktreeSetup,
      copy: config.worktreeCopy,
      signal,
      emit: (entry) => this.store.activity.append(task.id, entry),
      ...(this.env ? { env: await this.env.setupEnv(task.id), groups: this.env.groups } : {}),
      progress: (line) => {
        shown = true;
        this.showActivity(task.id, line);
      },
    });
    if (shown) this.showActivity(task.id, null);
  }

  private showActivity(id: string, line: string | null): void {
    void this.store.tasks
      .update(id, (t) => (t.run?.state === 'running' ? { run: { ...t.run, activity: line } } : null))
      .catch(() => undefined);
  }

  /** OpenCode retrying a failing model shows on the card as "retrying (attempt n, next in 5 s)" until the run moves on. */
  private noteRetry(id: string, entry: ActivityEntry): void {
    const retry =
      entry.kind === 'error' && entry.attempt ? `retrying (attempt ${entry.attempt}${waitOf(entry.retryAt)})` : undefined;
    if (retry) this.retrying.add(id);
    else if (!this.retrying.delete(id)) return;
    this.showActivity(id, retry ?? null);
  }

  private runOf(id: string, phase: AgentPhase): TaskRun {
    return this.store.tasks.get(id).run ?? queuedRun(phase);
  }

  private async prompt(task: Task, phase: AgentPhase, extra: Partial<PromptVars>): Promise<string> {
    const [plan, review] = await Promise.all([this.store.plans.read(task.id), this.store.reviews.read(task.id)]);
    const vars = {
      task,
      plan,
      review,
      feedback: task.run?.feedback ?? null,
      diff: '',
      tools: this.store.config.get().mcp,
      port: (await this.env?.port(task.id)) ?? null,
      ...extra,
    };
    return buildPrompt(this.store.paths.prompts, phase, vars);
  }

  private async finish(
    id: string,
    phase: AgentPhase,
    dir: string,
    signal: AbortSignal,
    result: PhaseResult,
  ): Promise<AgentPhase | null> {
    const task = this.store.tasks.get(id);
    const usage = {
      tokens: task.usage.tokens + result.tokens,
      cost: task.usage.cost + result.cost,
      durationMs: task.usage.durationMs + result.durationMs,
    };
    const { outcome, patch } = await PHASE_STEPS[phase].finish(this.context(task, phase, dir, signal), result);
    const { status, next } = afterPhase(phase, outcome);
    // A change from outside (a teammate's move pulled from git, a hand edit) wins over where the phase would go.
    let moved: TaskStatus | null = null;
    await this.store.tasks.update(id, (t) => {
      if (t.status === PHASES[phase].status) return { ...patch, status, usage, error: null, run: next ? queuedRun(next) : null };
      moved = t.status;
      return { usage, error: null, run: null };
    });
    if (moved === null) return next;
    this.store.activity.append(id, {
      kind: 'phase',
      at: now(),
      phase,
      state: 'finished',
      message: `the task was moved to ${moved} from outside the studio (a git pull or a hand edit); the run stops here`,
    });
    return null;
  }
}

/** ", next in 5 s": OpenCode's wait before its next try, as said when the retry began. */
function waitOf(retryAt: string | undefined): string {
  const ms = retryAt ? Date.parse(retryAt) - Date.now() : Number.NaN;
  if (!Number.isFinite(ms)) return '';
  const s = Math.max(1, Math.round(ms / 1000));
  return s < 120 ? `, next in ${s} s` : `, next in ${Math.round(s / 60)} min`;
}

function now(): string {
  return new Date().toISOString();
}
