import type { ActivityEntry } from '../../shared/activity.js';
import type { TaskDiff } from '../../shared/api.js';
import type { OpencodeState } from '../../shared/events.js';
import { busy, type LifecycleAction, PHASES, type Transition, transitionFor } from '../../shared/lifecycle.js';
import { type AgentPhase, branchOf, type Task } from '../../shared/task.js';
import { errorMessage, PreconditionError } from '../errors.js';
import type { EventBus } from '../events/event-bus.js';
import type { Repo } from '../git/repo.js';
import { worktreeExists } from '../git/worktrees.js';
import { StorageFaultError } from '../lib/storage-fault.js';
import { within } from '../lib/within.js';
import { ModelFailedError } from '../opencode/model-errors.js';
import { OpencodeUnreachableError, PhaseAbortedError, PhaseTimeoutError } from '../opencode/phase-errors.js';
import type { ActivityRowsRead } from '../store/activity-log.js';
import type { StudioStore } from '../store/studio-store.js';
import type { TaskPatch } from '../store/task-store.js';
import type { AgentActions } from './agent-actions.js';
import type { AgentCredentials } from './agent-credentials.js';
import type { AgentLink } from './agent-port.js';
import { assertAllowed, queuedRun } from './lifecycle-check.js';
import { PhaseRunner } from './phase-runner.js';
import { RequestService } from './requests.js';
import { Slots } from './slots.js';
import { TaskBranches } from './task-branches.js';
import { TaskEnv } from './task-env.js';

type Job = { phase: AgentPhase; controller: AbortController; done: Promise<void>; inPhase: boolean };

/** The managed OpenCode process stopped under a running phase: its sessions are gone with it. */
class OpencodeStoppedError extends Error {
  override name = 'OpencodeStoppedError';
}

/** The agent side of the studio: phases in order, at most `maxParallel` at once, and a way forward after every failure. */
export class Orchestrator implements AgentActions {
  private readonly jobs = new Map<string, Job>();
  private readonly slots: Slots;
  private readonly phases: PhaseRunner;
  private readonly branches: TaskBranches;
  readonly requests: RequestService;
  /** Warm slots, ports, dev servers: started by `begin` (createAgent), so tests built on the bare class get none. */
  readonly env: TaskEnv;
  private closed = false;

  constructor(
    repo: Repo,
    private readonly store: StudioStore,
    private readonly bus: EventBus,
    private readonly link: AgentLink,
    log: (line: string) => void = () => {},
    credentials?: AgentCredentials,
  ) {
    this.slots = new Slots(() => store.config.get().maxParallel);
    this.requests = new RequestService(store, bus, () => link.runner());
    const gitLock = <T>(work: () => Promise<T>) => this.phases.gitLock(work);
    this.env = new TaskEnv({
      repo,
      store,
      bus,
      gitLock,
      shortOfAgents: () => this.slots.queued > 0 || this.slots.running >= store.config.get().maxParallel,
      phasesRunning: () => this.slots.running > 0,
      warm: async (dir) => {
        if (link.status().state !== 'ready') return false;
        const runner = await link.runner().catch(() => null);
        if (!runner?.warmed) return false;
        await runner.warmed(dir);
        return true;
      },
      locate: async (id) => {
        const dir = await this.phases.locate(store.tasks.get(id));
        return (await worktreeExists(repo, dir)) ? dir : null;
      },
      log,
    });
    this.phases = new PhaseRunner(repo, store, log, this.requests, credentials, this.env);
    this.branches = new TaskBranches(repo, store, this.phases, bus);
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

  start(id: string): Promise<Task> {
    return this.act(id, 'start', () => ({ branch: branchOf({ id, branch: null }), verdict: null, iteration: 0 }));
  }

  approvePlan(id: string): Promise<Task> {
    return this.act(id, 'approvePlan');
  }

  requestChanges(id: string, feedback: string): Promise<Task> {
    return this.act(id, 'requestChanges', (row) => (row.phase === 'fix' ? { iteration: 0 } : {}), feedback);
  }

  /**
   * Runs a failed, aborted or interrupted phase again; a stalled one is stopped first. This is the
   * only way a phase runs twice: the studio never retries one by itself (OpenCode retries model
   * calls within a run), so work a phase already produced is never redone or charged again
   * without a person asking for it.
   */
  async retry(id: string): Promise<Task> {
    this.link.assertUsable();
    const stalled = this.jobs.get(id);
    if (stalled && this.store.tasks.get(id).run?.stalledSince) {
      stalled.controller.abort(new PhaseAbortedError('retried by you after it stalled'));
      await within(stalled.done, 15_000);
    }
    this.assertIdle(id);
    let phase: AgentPhase | undefined;
    const task = await this.store.tasks.update(id, (t) => {
      assertAllowed('retry', t);
      phase = t.run!.phase;
      return { status: PHASES[phase].status, run: queuedRun(phase, t.run!.feedback), error: null };
    });
    this.schedule(id, phase!);
    return task;
  }

  async abort(id: string): Promise<Task> {
    const job = this.jobs.get(id);
    const task = this.store.tasks.get(id);
    if (!job) {
      assertAllowed('abort', { ...task, run: null });
      return task;
    }
    job.controller.abort(new PhaseAbortedError('aborted by you'));
    await within(job.done, 15_000);
    return this.store.tasks.get(id);
  }

  async merge(id: string): Promise<Task> {
    const task = this.store.tasks.get(id);
    this.assertIdle(id);
    assertAllowed('merge', task);
    const row = transitionFor('merge', task.status)!;
    // Its worktree goes with the merge: the dev server serving it stops first.
    await this.env.devServers.stop(id);
    const mergeCommit = await this.branches.merge(task);
    return this.store.tasks.patch(id, { status: row.to, run: null, error: null, mergeCommit });
  }

  /** Merges the base into the task branch; a conflict is handed to the agent in the `conflicts` phase. */
  async updateBranch(id: string): Promise<Task> {
    const task = this.store.tasks.get(id);
    this.assertIdle(id);
    assertAllowed('updateBranch', task);
    if ((await this.branches.updateFromBase(task)).merged) return this.store.tasks.patch(id, { error: null });
    this.link.assertUsable();
    const phase = transitionFor('updateBranch', task.status)!.onConflict!;
    const updated = await this.store.tasks.update(id, (t) => {
      assertAllowed('updateBranch', t);
      return { status: PHASES[phase].status, run: queuedRun(phase), error: null };
    });
    this.schedule(id, phase);
    return updated;
  }

  diff(id: string): Promise<TaskDiff> {
    return this.branches.diff(this.store.tasks.get(id));
  }

  activity(id: string): Promise<ActivityEntry[]> {
    this.store.tasks.get(id);
    return this.store.activity.read(id);
  }

  activityRows(id: string): Promise<ActivityRowsRead> {
    this.store.tasks.get(id);
    return this.store.activity.rows(id);
  }

  async hasWork(id: string): Promise<boolean> {
    return this.jobs.has(id) || this.branches.exist(this.store.tasks.get(id));
  }

  async discard(id: string): Promise<void> {
    const job = this.jobs.get(id);
    if (job) {
      job.controller.abort(new PhaseAbortedError('the task is being deleted'));
      await within(job.done, 15_000);
    }
    await this.env.devServers.stop(id);
    await this.branches.remove(this.store.tasks.get(id));
    await this.store.activity.remove(id);
  }

  /**
   * After a restart: queued work is queued again; a running phase is re-attached when its
   * session still runs on an attached server, else marked interrupted with retry available.
   */
  async recover(): Promise<void> {
    for (const task of this.store.tasks.list()) {
      const run = task.run;
      if (!run || (run.state !== 'running' && run.state !== 'queued' && run.state !== 'waiting')) continue;
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
        error: `The studio stopped while ${run.phase} was ${run.state}; retry to run it again.`,
      });
    }
  }

  private async sessionStillRuns(task: Task): Promise<boolean> {
    try {
      const runner = await this.link.runner();
      return await runner.sessionBusy(await this.phases.locate(task), task.run!.sessionId!);
    } catch {
      return false;
    }
  }

  /** A person's step through the lifecycle table: checked and written in one update, then its phase queued. */
  private async act(
    id: string,
    action: LifecycleAction,
    extra: (row: Transition) => TaskPatch = () => ({}),
    feedback: string | null = null,
  ): Promise<Task> {
    this.link.assertUsable();
    this.assertIdle(id);
    let row: Transition | undefined;
    const task = await this.store.tasks.update(id, (t) => {
      assertAllowed(action, t, (other) => this.store.tasks.find(other));
      row = transitionFor(action, t.status)!;
      return { status: row.to, run: row.phase ? queuedRun(row.phase, feedback) : null, error: null, ...extra(row) };
    });
    if (row?.phase) this.schedule(id, row.phase);
    return task;
  }

  private assertIdle(id: string): void {
    if (!this.jobs.has(id)) return;
    const refused = busy(this.store.tasks.get(id));
    throw new PreconditionError(refused.message, refused.reason);
  }

  private schedule(id: string, first: AgentPhase, resumeSession?: string): void {
    const controller = new AbortController();
    const job: Job = { phase: first, controller, done: Promise.resolve(), inPhase: false };
    job.done = this.runChain(id, first, job, resumeSession).finally(() => {
      if (this.jobs.get(id) === job) this.jobs.delete(id);
      this.env.slots.pump();
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
          this.link.modelOutcome?.(null);
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
    if (!aborted && task.run?.state === 'waiting') return this.requests.interrupted(id, phase, reason);
    const model = !aborted && err instanceof ModelFailedError ? err : null;
    if (model) this.link.modelOutcome?.(model);
    // A git step the disk refused (full, read-only, no permission): the card says so. Not the board's
    // storage banner: the failure's own record below is a write that succeeds, which would clear it at once.
    const storage = !aborted && err instanceof StorageFaultError ? err : null;
    const timeout = !aborted && err instanceof PhaseTimeoutError ? err : null;
    const errorReason = model?.reason ?? storage?.reason ?? timeout?.reason;
    const message = aborted
      ? `Stopped during ${phase}; retry to run it again.`
      : model
        ? `${phase} failed: ${model.message}`
        : err instanceof OpencodeStoppedError || err instanceof OpencodeUnreachableError || this.link.status().state !== 'ready'
          ? `${phase} failed: OpenCode stopped (${reason}); it restarts on its own: retry once it is ready.`
          : `${phase} failed: ${reason}`;
    this.store.activity.append(id, {
      kind: aborted ? 'phase' : 'error',
      at: new Date().toISOString(),
      phase,
      ...(aborted ? { state: 'aborted' as const } : { message }),
    } as ActivityEntry);
    const patch: TaskPatch = {
      run: {
        ...(task.run ?? queuedRun(phase)),
        phase,
        state: aborted ? 'aborted' : 'failed',
        activity: null,
        stalledSince: undefined,
      },
      error: message,
      ...(errorReason ? { errorReason } : {}),
    };
    await this.store.tasks.patch(id, patch).catch((e) => this.recordLater(id, patch, e));
  }

  /** The failure could not be written because the disk refuses writes: it is, once a write succeeds again. */
  private recordLater(id: string, patch: TaskPatch, err: unknown): void {
    console.error(`could not record the failure of ${id}:`, errorMessage(err));
    if (!(err instanceof StorageFaultError)) return;
    const stop = this.bus.on((event) => {
      if (event.type !== 'storage.recovered') return;
      stop();
      if (!this.closed && this.store.tasks.find(id))
        void this.store.tasks.patch(id, patch).catch((e) => console.error(`could not record the failure of ${id}:`, e));
    });
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
    await this.env.close();
    await this.link.close();
    await within(Promise.all(jobs.map((j) => j.done)), 5_000);
    await this.store.activity.flush();
  }
}
