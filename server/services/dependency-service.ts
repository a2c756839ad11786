import { cycleThrough, findCycles } from '../../shared/dependencies.js';
import type { StudioEvent } from '../../shared/events.js';
import { refusal } from '../../shared/lifecycle.js';
import { errorMessage, InvalidInputError } from '../errors.js';
import type { EventBus } from '../events/event-bus.js';
import type { AgentActions } from '../orchestrator/agent-actions.js';
import { ActivityLog } from '../store/activity-log.js';
import { KeyedLock } from '../store/keyed-lock.js';
import type { StudioStore } from '../store/studio-store.js';

/**
 * Dependencies between tasks: refuses unknown ones and cycles made through the API, reports
 * cycles made by hand as a file problem, and starts an `autoStart` task when its last dependency
 * reaches Done. The rule that blocks a start lives with the lifecycle's (shared/lifecycle.ts `guard`).
 */
export class DependencyService {
  private readonly activity: ActivityLog;
  private readonly lock = new KeyedLock();
  private readonly pending = new Set<Promise<unknown>>();
  /** Each task's dependsOn as last seen, so the cycle check runs only when the graph changed. */
  private readonly graph = new Map<string, string>();
  private cycleProblems = new Set<string>();

  constructor(
    private readonly store: StudioStore,
    private readonly agent: AgentActions,
  ) {
    this.activity = new ActivityLog(store.paths, store.bus);
  }

  /** Refuses dependencies on tasks that do not exist, and ones that would close a cycle (naming it). */
  check(id: string | null, dependsOn: readonly string[]): void {
    for (const dep of dependsOn) {
      if (dep === id) throw new InvalidInputError(`a task cannot depend on itself (${id})`, 'dependency-cycle');
      if (!this.store.tasks.find(dep)) throw new InvalidInputError(`dependsOn: there is no task "${dep}"`);
    }
    if (id === null) return;
    const cycle = cycleThrough(id, (t) => (t === id ? dependsOn : this.store.tasks.find(t)?.dependsOn));
    if (cycle)
      throw new InvalidInputError(`dependsOn would make a dependency cycle: ${this.describe(cycle)}`, 'dependency-cycle');
  }

  /** Listen to the board: cycles (also checked once now), deleted dependencies, and dependencies reaching Done. */
  watch(bus: EventBus): () => void {
    for (const task of this.store.tasks.list()) this.graph.set(task.id, (task.dependsOn ?? []).join(','));
    this.reportCycles();
    // Off the emitting path: a cycle check over the whole board should not hold up every task write.
    return bus.on((e) => queueMicrotask(() => this.react(e)));
  }

  private react(e: StudioEvent): void {
    if (e.type === 'task.deleted') {
      this.graph.delete(e.taskId);
      this.reportCycles();
      this.noteDeleted(e.taskId);
      return;
    }
    if (e.type !== 'task.created' && e.type !== 'task.updated') return;
    const key = (e.task.dependsOn ?? []).join(',');
    if (this.graph.get(e.task.id) !== key || e.type === 'task.created') {
      this.graph.set(e.task.id, key);
      this.reportCycles();
    }
    if (e.task.status === 'done')
      for (const t of this.store.tasks.list('todo'))
        if (t.autoStart && (t.dependsOn ?? []).includes(e.task.id)) this.queueStart(t.id);
  }

  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
    await this.activity.flush();
  }

  private describe(cycle: readonly string[]): string {
    return cycle.map((id) => `"${this.store.tasks.find(id)?.title ?? id}" (${id})`).join(' → ');
  }

  /** One banner per cycle, naming its files; it goes away when the cycle is broken. */
  private reportCycles(): void {
    const now = new Map<string, string>();
    for (const cycle of findCycles(this.store.tasks.list())) {
      const files = [...new Set(cycle)].map((id) => this.store.paths.relative(this.store.paths.task(id)));
      now.set(
        files.join(', '),
        `these tasks depend on each other in a cycle (${this.describe(cycle)}), so they stay blocked; remove one of the dependsOn entries`,
      );
    }
    for (const path of this.cycleProblems) if (!now.has(path)) this.store.problems.clear(path);
    for (const [path, reason] of now) this.store.problems.report(path, reason, 'dependency-cycle');
    this.cycleProblems = new Set(now.keys());
  }

  private noteDeleted(id: string): void {
    for (const t of this.store.tasks.list())
      if ((t.dependsOn ?? []).includes(id) && t.status !== 'done')
        this.activity.append(t.id, {
          kind: 'note',
          at: new Date().toISOString(),
          text: `The dependency ${id} was deleted; it no longer blocks this task.`,
        });
  }

  /** Start a waiting task once nothing blocks it; one at a time per task, so two Done events start it once. */
  private queueStart(id: string): void {
    const run = this.lock
      .run(id, async () => {
        const task = this.store.tasks.find(id);
        if (!task?.autoStart || task.status !== 'todo' || task.run || (task.dependsOn ?? []).length === 0) return;
        if (refusal('start', task, (other) => this.store.tasks.find(other))) return;
        try {
          await this.agent.start(id);
          this.note(id, 'Its last dependency is Done: started by itself (autoStart).');
        } catch (err) {
          this.note(id, `Its last dependency is Done, but it could not start by itself: ${errorMessage(err)}`);
        }
      })
      .finally(() => this.pending.delete(run));
    this.pending.add(run);
  }

  private note(id: string, text: string): void {
    this.activity.append(id, { kind: 'note', at: new Date().toISOString(), text });
  }
}
