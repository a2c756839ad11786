import type { z } from 'zod';
import type {
  ActivityRows,
  ActivityRowsInput,
  CreateTaskInput,
  ListTasksInput,
  MoveTaskInput,
  TaskDetail,
  TasksSnapshot,
  UpdateTaskInput,
} from '../../shared/api.js';
import { type LifecycleAction, moveRule, transitionFor } from '../../shared/lifecycle.js';
import { branchOf, type Task } from '../../shared/task.js';
import { InvalidInputError, PreconditionError } from '../errors.js';
import type { GithubService } from '../github/github-service.js';
import type { AgentActions } from '../orchestrator/agent-actions.js';
import { assertAllowed } from '../orchestrator/lifecycle-check.js';
import type { StudioStore } from '../store/studio-store.js';
import type { DependencyService } from './dependency-service.js';

/** Task rules a person or a script meets through the API; the agent's phases live in the orchestrator. */
export class TaskService {
  constructor(
    private readonly store: StudioStore,
    private readonly agent: AgentActions,
    private readonly dependencies: DependencyService,
    private readonly github: GithubService,
  ) {}

  /** A page of the rows the Activity tab shows (one per tool call), counted back from the newest. */
  async activityRows(input: z.infer<typeof ActivityRowsInput>): Promise<z.infer<typeof ActivityRows>> {
    this.store.tasks.get(input.id); // an unknown task is a 404 with or without an agent
    const { rows, asOf } = await this.agent.activityRows(input.id);
    const end = Math.min(input.before ?? rows.length, rows.length);
    const start = Math.max(0, end - input.limit);
    return { rows: rows.slice(start, end), start, total: rows.length, asOf };
  }

  list(filter: ListTasksInput = {}): Task[] {
    const tasks = this.store.tasks.list(filter.status);
    const { label, search } = filter;
    if (!label && !search) return tasks;
    const needle = search?.toLowerCase();
    return tasks.filter(
      (t) =>
        (!label || t.labels.includes(label)) &&
        (!needle || [t.id, t.title, t.description].some((text) => text.toLowerCase().includes(needle))),
    );
  }

  /** The list and the event it is current with, read together (no event can fall between them). */
  snapshot(): TasksSnapshot {
    return { lastEventId: this.store.bus.cursor, tasks: this.store.tasks.list() };
  }

  /**
   * `list(filter)` as the JSON the router would answer, from the store's serialized columns: the
   * HTTP fast path's (server/http/task-list-fast-path.ts). Null for a label or search filter,
   * which the cache does not hold: the router answers those.
   */
  listJson(filter: ListTasksInput = {}): Buffer | null {
    return filter.label || filter.search ? null : this.store.tasks.listJson(filter.status);
  }

  /** `snapshot()` as JSON; the event id and the list are read in the same tick. */
  snapshotJson(): Buffer {
    return Buffer.concat([
      Buffer.from(`{"lastEventId":${JSON.stringify(this.store.bus.cursor)},"tasks":`),
      this.store.tasks.listJson(),
      Buffer.from('}'),
    ]);
  }

  async get(id: string): Promise<TaskDetail> {
    const task = this.store.tasks.get(id);
    const [plan, review] = await Promise.all([this.store.plans.read(id), this.store.reviews.read(id)]);
    return { task, plan, review, requests: this.agent.requests.list(id) };
  }

  create(input: z.infer<typeof CreateTaskInput>): Promise<Task> {
    if (input.parent && !this.store.tasks.find(input.parent))
      throw new InvalidInputError(`parent: there is no task "${input.parent}"`);
    if (input.dependsOn) this.dependencies.check(null, input.dependsOn);
    return this.store.tasks.create({ ...input, ...dependencyFields(input) });
  }

  update(input: z.infer<typeof UpdateTaskInput>): Promise<Task> {
    const { id, ...patch } = input;
    this.store.tasks.get(id);
    const dependsOn = patch.dependsOn;
    if (!dependsOn) return this.store.tasks.patch(id, { ...patch, ...dependencyFields(patch) });
    // Checked against the file as it is on disk at the write, not only against memory.
    return this.store.tasks.update(id, () => {
      this.dependencies.check(id, dependsOn);
      return { ...patch, ...dependencyFields(patch) };
    });
  }

  /** A drag on the board: a reorder, or a column change that the lifecycle allows. */
  async move(input: z.infer<typeof MoveTaskInput>): Promise<Task> {
    const task = this.store.tasks.get(input.id);
    const rule = moveRule(task.status, input.status);
    if ('refused' in rule) throw new PreconditionError(`cannot move "${task.title}": ${rule.refused}`);
    const order = input.order;
    if (rule.action === 'reorder')
      return order === undefined || task.order === order ? task : this.store.tasks.patch(task.id, { order });
    const moved = await this.perform(rule.action, task, order);
    return order === undefined || moved.order === order ? moved : this.store.tasks.patch(moved.id, { order });
  }

  /** Carries out a lifecycle action the table allowed for a drag; the agent's actions go to the orchestrator. */
  private async perform(action: LifecycleAction, task: Task, order: number | undefined): Promise<Task> {
    switch (action) {
      case 'backToTodo': {
        assertAllowed(action, task);
        const status = transitionFor(action, task.status)!.to;
        return this.store.tasks.patch(task.id, { status, ...(order === undefined ? {} : { order }), run: null, error: null });
      }
      case 'merge':
        // With `landing: "pull-request"` the drag to Done opens the PR; Done then follows GitHub.
        if (this.store.config.get().landing === 'pull-request') return this.github.openPullRequest(task.id, false);
        return this.agent.merge(task.id);
      case 'requestChanges':
        throw new PreconditionError(`requesting changes on "${task.title}" needs feedback: use Request changes`);
      default:
        return this.agent[action](task.id);
    }
  }

  async delete(id: string, force: boolean): Promise<void> {
    const task = this.store.tasks.get(id);
    if (await this.agent.hasWork(id)) {
      if (!force)
        throw new PreconditionError(
          `"${task.title}" has a worktree or branch (${branchOf(task)}) with the agent's work; delete with force to remove them too`,
          'needs-force',
        );
      await this.agent.discard(id);
    }
    await this.store.deleteTask(id);
  }

  async updatePlan(id: string, markdown: string): Promise<void> {
    this.store.tasks.get(id);
    await this.store.plans.write(id, markdown);
  }
}

/** dependsOn without repeats, and both fields left out of the file while they say nothing (like `parent`). */
function dependencyFields(input: { dependsOn?: string[]; autoStart?: boolean }) {
  const out: { dependsOn?: string[] | undefined; autoStart?: boolean | undefined } = {};
  if ('dependsOn' in input) out.dependsOn = input.dependsOn?.length ? [...new Set(input.dependsOn)] : undefined;
  if ('autoStart' in input) out.autoStart = input.autoStart || undefined;
  return out;
}
