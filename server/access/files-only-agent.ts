import type { ActivityEntry } from '../../shared/activity.js';
import type { EventBus } from '../events/event-bus.js';
import type { Repo } from '../git/repo.js';
import { NoAgent } from '../orchestrator/no-agent.js';
import { ActivityLog } from '../store/activity-log.js';
import type { StudioStore } from '../store/studio-store.js';

/**
 * The agent side when no studio runs: actions that need OpenCode answer `studio-not-running`, the
 * activity log is read from its file, and a task with a branch counts as having work, so a delete
 * asks for force (which then needs the studio) instead of leaving the branch and worktree behind.
 */
export class FilesOnlyAgent extends NoAgent {
  private readonly log: ActivityLog;

  constructor(
    private readonly store: StudioStore,
    bus: EventBus,
    private readonly repo: Repo,
  ) {
    super(
      `no studio is running for ${repo.root}, so the agent cannot act: start it with "npx opencode-studio ${repo.root}"`,
      'studio-not-running',
    );
    this.log = new ActivityLog(store.paths, bus);
  }

  override activity = (id: string): Promise<ActivityEntry[]> => this.log.read(id);
  override hasWork = async (id: string): Promise<boolean> => {
    const task = this.store.tasks.get(id);
    return task.branch !== null || (await this.repo.branchExists(`studio/${id}`));
  };
  override discard = async (): Promise<void> => this.refuse();
}
