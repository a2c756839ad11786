import type { ActivityEntry } from '../../shared/activity.js';
import type { TaskDiff } from '../../shared/api.js';
import type { OpencodeState } from '../../shared/events.js';
import type { AgentPhase, Task, TaskStatus } from '../../shared/task.js';
import { errorMessage, PreconditionError } from '../errors.js';
import type { EventBus } from '../events/event-bus.js';
import type { Repo } from '../git/repo.js';
import { branchDiff, MergeBlockedError, mergeBranch, removeWorktree, worktreeExists } from '../git/worktrees.js';
import { PhaseAbortedError } from '../opencode/agent-runner.js';
import type { OpencodeLink } from '../opencode/opencode-link.js';
import type { AgentActions } from '../services/agent-actions.js';
import type { StudioStore } from '../store/studio-store.js';
import type { TaskPatch } from '../store/task-store.js';
import { ActivityLog } from './activity-log.js';
import { PHASE_STATUS, PhaseRunner, queuedRun } from './phase-runner.js';
import { Slots } from './slots.js';

const LOST_CONNECTION = /fetch failed|ECONNREFUSED|ECONNRESET|socket hang up|OpenCode stopped|other side closed/i;

type Job = { phase: AgentPhase; controller: AbortController; done: Promise<void>; inPhase: boolean };

/** The managed OpenCode process stopped under a running phase: its sessions are gone with it. */
class OpencodeStoppedError extends Error {
  override name = 'OpencodeStoppedError';
}

/** The agent side of the studio: phases in order, at most `maxParallel` at once, and a way forward after every failure. */
export class Orchestrator implements AgentActions {
  private readonly jobs = new Map<string, Job>();
  private readonly slots: Slots;
  private readonly activityLog: ActivityLog;
  private readonly phases: PhaseRunner;
  private closed = false;

  constructor(
    private readonly repo: Repo,
    private readonly store: StudioStore,
    bus: EventBus,
    private readonly link: OpencodeLink,
    log: (line: string) => void = () => {},
  ) {
    this.slots = new Slots(() => store.config.get().maxParallel);
    this.activityLog = new ActivityLog(store.paths, bus);
    this.phases = new PhaseRunner(repo, store, this.activityLog, log);
    bus.on((e) => {
      if (e.type === 'config.updated') this.slots.pump();
      if (e.type === 'opencode.status' && e.opencode.managed && e.opencode.state !== 'ready')
        this.opencodeStopped(e.opencode.reason);
    });
  }

  status(): OpencodeState {
    return this.link.status();
  }

  models(): Promise<string[]> {
    return this.link.models();
  }

  async start(id: string): Promise<Task> {
    this.link.assertUsable();
    const task = await this.transition(id, ['todo'], 'start', {
      status: 'planning',
      branch: `studio/${id}`,
      run: queuedRun('planning'),
      error: null,
      verdict: null,
      iteration: 0,
    });
    this.schedule(id, 'planning');
    return task;
  }

  async approvePlan(id: string): Promise<Task> {
    this.link.assertUsable();
    const task = await this.transition(id, ['plan_review'], 'approve the plan of', {
      status: 'in_progress',
      run: queuedRun('implementation'),
      error: null,
    });
    this.schedule(id, 'implementation');
    return task;
  }

  async requestChanges(id: string, feedback: string): Promise<Task> {
    this.link.assertUsable();
    const current = this.store.tasks.get(id);
    const phase: AgentPhase = current.status === 'plan_review' ? 'planning' : 'fix';
    const task = await this.transition(id, ['plan_review', 'review'], 'request changes on', {
      status: PHASE_STATUS[phase],
      run: queuedRun(phase, feedback),
      error: null,
      ...(phase === 'fix' ? { iteration: 0 } : {}),
    });
    this.schedule(id, phase);
    return task;
  }

  async retry(id: string): Promise<Task> {
    this.link.assertUsable();
    const current = this.store.tasks.get(id);
    const run = current.run;
    if (this.jobs.has(id))
      throw new PreconditionError(`"${current.title}" is already running; abort it first`, 'already-running');
    if (!run || run.state === 'running' || run.state === 'queued')
      throw new PreconditionError(`"${current.title}" has no failed, aborted or interrupted phase to retry`, 'nothing-to-retry');
    const task = await this.store.tasks.patch(id, {
      status: PHASE_STATUS[run.phase],
      run: queuedRun(run.phase, run.feedback),
      error: null,
    });
    this.schedule(id, run.phase);
    return task;
  }

  async abort(id: string): Promise<Task> {
    const job = this.jobs.get(id);
    const task = this.store.tasks.get(id);
    if (!job) throw new PreconditionError(`nothing is running for "${task.title}"`, 'not-running');
    job.controller.abort(new PhaseAbortedError('aborted by you'));
    await within(job.done, 15_000);
    return this.store.tasks.get(id);
  }

  async merge(id: string): Promise<Task> {
    const task = this.store.tasks.get(id);
    if (task.status !== 'review')
      throw new PreconditionError(`only a task in Review can be merged; "${task.title}" is in ${task.status.replace('_', ' ')}`);
    if (this.jobs.has(id))
      throw new PreconditionError(`"${task.title}" is still running; wait or abort it first`, 'already-running');
    const branch = task.branch ?? `studio/${id}`;
    const base = this.store.config.get().baseBranch;
    try {
      await this.phases.gitLock(() => mergeBranch(this.repo, { branch, base, message: `Merge ${branch}: ${task.title}` }));
    } catch (err) {
      const blocked = err instanceof MergeBlockedError ? err : null;
      const message = blocked ? blocked.message : `the merge failed: ${errorMessage(err)}`;
      await this.store.tasks.patch(id, { error: message });
      throw new PreconditionError(message, blocked?.reason ?? 'internal');
    }
    await this.phases.gitLock(() => removeWorktree(this.repo, { dir: this.phases.worktreeDir(id), branch, deleteBranch: true }));
    return this.store.tasks.patch(id, { status: 'done', run: null, error: null });
  }

  async diff(id: string): Promise<TaskDiff> {
    const task = this.store.tasks.get(id);
    if (!task.branch) throw new PreconditionError(`"${task.title}" has no branch yet: start it first`, 'no-branch');
    if (!(await this.repo.branchExists(task.branch)))
      throw new PreconditionError(
        `the branch ${task.branch} of "${task.title}" no longer exists (renamed or deleted?); restore it, or delete the task`,
        'no-branch',
      );
    return branchDiff(this.repo, { branch: task.branch, base: this.store.config.get().baseBranch });
  }

  activity(id: string): Promise<ActivityEntry[]> {
    this.store.tasks.get(id);
    return this.activityLog.read(id);
  }

  async hasWork(id: string): Promise<boolean> {
    const task = this.store.tasks.get(id);
    if (this.jobs.has(id)) return true;
    if (task.branch && (await this.repo.branchExists(task.branch))) return true;
    return worktreeExists(this.repo, this.phases.worktreeDir(id));
  }

  async discard(id: string): Promise<void> {
    const job = this.jobs.get(id);
    if (job) {
      job.controller.abort(new PhaseAbortedError('the task is being deleted'));
      await within(job.done, 15_000);
    }
    const task = this.store.tasks.get(id);
    await this.phases.gitLock(() =>
      removeWorktree(this.repo, {
        dir: this.phases.worktreeDir(id),
        branch: task.branch ?? `studio/${id}`,
        deleteBranch: true,
      }),
    );
    await this.activityLog.remove(id);
  }

  /**
   * After a restart: queued work is queued again; a running phase is re-attached when its
   * session still runs on an attached server, else marked interrupted with retry available.
   */
  async recover(): Promise<void> {
    for (const task of this.store.tasks.list()) {
      const run = task.run;
      if (!run || (run.state !== 'running' && run.state !== 'queued')) continue;
      if (run.state === 'queued') {
        this.schedule(task.id, run.phase);
        continue;
      }
      if (run.sessionId && !this.link.status().managed && (await this.sessionStillRuns(task))) {
        this.schedule(task.id, run.phase, run.sessionId);
        continue;
      }
      await this.store.tasks.patch(task.id, {
        run: { ...run, state: 'interrupted', activity: null },
        error: `The studio stopped while ${run.phase} was running; retry to run it again.`,
      });
    }
  }

  private async sessionStillRuns(task: Task): Promise<boolean> {
    try {
      const runner = await this.link.runner();
      return await runner.sessionBusy(this.phases.worktreeDir(task.id), task.run!.sessionId!);
    } catch {
      return false;
    }
  }

  private async transition(id: string, from: TaskStatus[], verb: string, patch: TaskPatch): Promise<Task> {
    if (this.jobs.has(id))
      throw new PreconditionError(`an agent is already working on "${this.store.tasks.get(id).title}"`, 'already-running');
    return this.store.tasks.update(id, (t) => {
      if (!from.includes(t.status))
        throw new PreconditionError(
          `cannot ${verb} "${t.title}": it is in ${t.status.replace('_', ' ')}, not ${from.map((s) => s.replace('_', ' ')).join(' or ')}`,
        );
      return patch;
    });
  }

  private schedule(id: string, first: AgentPhase, resumeSession?: string): void {
    const controller = new AbortController();
    const job: Job = { phase: first, controller, done: Promise.resolve(), inPhase: false };
    job.done = this.runChain(id, first, job, resumeSession).finally(() => {
      if (this.jobs.get(id) === job) this.jobs.delete(id);
    });
    this.jobs.set(id, job);
  }

  /** Fail the phases running on a managed OpenCode that just stopped, at once rather than when it comes back. */
  private opencodeStopped(reason: string | null): void {
    for (const job of this.jobs.values())
      if (job.inPhase)
        job.controller.abort(new OpencodeStoppedError(`OpenCode stopped${reason ? `: ${reason.split('\n')[0]}` : ''}`));
  }

  private async runChain(id: string, first: AgentPhase, job: Job, resumeSession?: string): Promise<void> {
    const signal = job.controller.signal;
    let phase: AgentPhase | null = first;
    let session = resumeSession;
    while (phase && !this.closed) {
      const current: AgentPhase = phase;
      try {
        await this.slots.acquire(signal);
        try {
          const runner = await this.link.runner();
          job.inPhase = true;
          phase = await this.phases.run(runner, id, current, signal, session);
          session = undefined;
        } finally {
          job.inPhase = false;
          this.slots.release();
        }
      } catch (err) {
        const stopped = signal.reason instanceof OpencodeStoppedError ? signal.reason : null;
        await this.failed(id, current, stopped ?? err, signal.aborted && !stopped);
        return;
      }
    }
  }

  private async failed(id: string, phase: AgentPhase, err: unknown, aborted: boolean): Promise<void> {
    if (this.closed) return;
    const task = this.store.tasks.find(id);
    if (!task) return;
    const reason = errorMessage(err);
    const message = aborted
      ? `Stopped during ${phase}; retry to run it again.`
      : LOST_CONNECTION.test(reason) || this.link.status().state !== 'ready'
        ? `${phase} failed: OpenCode stopped (${reason}); it restarts on its own: retry once it is ready.`
        : `${phase} failed: ${reason}`;
    this.activityLog.append(id, {
      kind: aborted ? 'phase' : 'error',
      at: new Date().toISOString(),
      phase,
      ...(aborted ? { state: 'aborted' as const } : { message }),
    } as ActivityEntry);
    await this.store.tasks
      .patch(id, {
        run: { ...(task.run ?? queuedRun(phase)), phase, state: aborted ? 'aborted' : 'failed', activity: null },
        error: message,
      })
      .catch((e) => console.error(`could not record the failure of ${id}:`, e));
  }

  /**
   * Stops without marking tasks, so a restart re-attaches or marks them interrupted. Sessions on
   * a managed server are aborted (the server stops with us); on an attached one they keep running.
   */
  async close(): Promise<void> {
    this.closed = true;
    const jobs = [...this.jobs.values()];
    if (this.link.status().managed) {
      for (const job of jobs) job.controller.abort(new PhaseAbortedError('the studio is shutting down'));
      await within(Promise.all(jobs.map((j) => j.done)), 5_000);
    }
    await this.link.close();
    await within(Promise.all(jobs.map((j) => j.done)), 5_000);
    await this.activityLog.flush();
  }
}

/** Wait for `work`, but no longer than `ms`; the timer never holds the process open. */
async function within(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
