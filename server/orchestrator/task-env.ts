import type { Task } from '../../shared/task.js';
import type { EventBus } from '../events/event-bus.js';
import type { Repo } from '../git/repo.js';
import type { StudioStore } from '../store/studio-store.js';
import { TrustBook, trustStateOf, untrustedError } from '../store/trust-book.js';
import { DevServers } from './dev-servers.js';
import { Ports } from './ports.js';
import { ProcessGroups } from './process-groups.js';
import { WarmSlots } from './warm-slots.js';

/** What the phase runner asks of a task's environment when it makes and sets up a worktree. */
export interface WorktreeEnv {
  /** A ready warm slot turned into the task's worktree (its branch created there), or null. */
  claim(task: Task, branch: string): Promise<string | null>;
  /** Added to the environment of the task's setup commands: its `PORT`. */
  setupEnv(taskId: string): Promise<Record<string, string>>;
  /** The task's port, for `{{port}}` in prompts (null when it has none). */
  port(taskId: string): Promise<number | null>;
  /** A task's own worktree and setup being made: a refill waits for it before its next step. */
  foreground<T>(work: () => Promise<T>): Promise<T>;
  groups: ProcessGroups;
}

export interface TaskEnvDeps {
  repo: Repo;
  store: StudioStore;
  bus: EventBus;
  gitLock: <T>(work: () => Promise<T>) => Promise<T>;
  shortOfAgents: () => boolean;
  /** True while any agent phase runs. */
  phasesRunning: () => boolean;
  warm: (dir: string) => Promise<boolean>;
  /** The task's worktree when it has one. */
  locate: (taskId: string) => Promise<string | null>;
  log: (line: string) => void;
}

/**
 * A task's surroundings beyond its branch: the warm slot it may start in, its port, the shell
 * commands the studio runs for it (setup, dev server) and their reaping after a crash.
 */
export class TaskEnv implements WorktreeEnv {
  readonly groups: ProcessGroups;
  readonly ports: Ports;
  readonly slots: WarmSlots;
  readonly devServers: DevServers;
  private unsubscribe: (() => void) | null = null;
  private readonly trust = new TrustBook();
  /** Tasks making or setting up their worktree right now. */
  private settingUp = 0;

  constructor(private readonly d: TaskEnvDeps) {
    const paths = d.store.paths;
    this.groups = new ProcessGroups(paths.children);
    this.ports = new Ports(paths.ports, () => d.store.config.get().portRange);
    // A spare's setup and a dev server run the repository's commands: only once this user trusted them.
    const assertTrusted = async () => {
      const state = await trustStateOf(d.repo.root, d.store.config.get(), this.trust);
      if (state.state === 'untrusted') throw untrustedError(d.repo.root, state);
    };
    const trusted = () =>
      assertTrusted().then(
        () => true,
        () => false,
      );
    this.slots = new WarmSlots({ ...d, ports: this.ports, groups: this.groups, trusted, foreground: () => this.settingUp > 0 });
    this.devServers = new DevServers({ ...d, ports: this.ports, groups: this.groups, assertTrusted });
  }

  /** After a start: what a killed studio left running is stopped, ports of finished tasks freed, spares kept ready. */
  begin(o: { slots: boolean } = { slots: true }): void {
    for (const what of this.groups.reapLeftovers()) this.d.log(`Stopped ${what}, left by a studio that did not shut down.`);
    const store = this.d.store;
    void this.ports.keepOnly((holder) => /^slot-\d+$/.test(holder) || (store.tasks.find(holder)?.status ?? 'done') !== 'done');
    this.unsubscribe = this.d.bus.on((e) => {
      if (e.type === 'task.deleted') void this.taskGone(e.taskId);
      else if (e.type === 'task.updated' && e.task.status === 'done') void this.taskGone(e.task.id);
      // A value set through config.update is trusted just after its change event: that route pumps again then.
      else if (e.type === 'config.updated') this.slots.pump();
      else if (e.type === 'opencode.status' && e.opencode.state === 'ready') this.slots.warmAll();
    });
    if (o.slots) this.slots.begin();
  }

  claim(task: Task, branch: string): Promise<string | null> {
    return this.slots.claim(task, branch);
  }

  async foreground<T>(work: () => Promise<T>): Promise<T> {
    this.settingUp++;
    try {
      return await work();
    } finally {
      this.settingUp--;
    }
  }

  async setupEnv(taskId: string): Promise<Record<string, string>> {
    return { PORT: String(await this.ports.assign(taskId)) };
  }

  port(taskId: string): Promise<number | null> {
    return this.ports.of(taskId);
  }

  /** Done or deleted: its dev server stops and its port is free again. */
  private async taskGone(taskId: string): Promise<void> {
    await this.devServers.stop(taskId).catch(() => undefined);
    await this.ports.release(taskId);
  }

  async close(): Promise<void> {
    this.unsubscribe?.();
    await Promise.all([this.devServers.stopAll(), this.slots.close()]);
  }
}
