import type { AgentActions } from '../orchestrator/agent-actions.js';
import type { TrustService } from './trust-service.js';

/**
 * The agent as the services and routers see it. The actions that hand a task to the agent (and so
 * use the repo's setup commands, permission rules and MCP setting) refuse with
 * `untrusted-settings` while those settings are untrusted. Reading, aborting and merging a
 * reviewed branch run nothing from the repo's settings, and stay open.
 */
export class TrustedAgent implements AgentActions {
  constructor(
    private readonly agent: AgentActions,
    private readonly trust: TrustService,
  ) {}

  private async checked<T>(action: () => Promise<T>): Promise<T> {
    await this.trust.assertTrusted();
    return action();
  }

  start: AgentActions['start'] = (id) => this.checked(() => this.agent.start(id));
  approvePlan: AgentActions['approvePlan'] = (id) => this.checked(() => this.agent.approvePlan(id));
  requestChanges: AgentActions['requestChanges'] = (id, feedback) => this.checked(() => this.agent.requestChanges(id, feedback));
  retry: AgentActions['retry'] = (id) => this.checked(() => this.agent.retry(id));
  updateBranch: AgentActions['updateBranch'] = (id) => this.checked(() => this.agent.updateBranch(id));
  merge: AgentActions['merge'] = (id) => this.agent.merge(id);
  abort: AgentActions['abort'] = (id) => this.agent.abort(id);
  diff: AgentActions['diff'] = (id) => this.agent.diff(id);
  activity: AgentActions['activity'] = (id) => this.agent.activity(id);
  activityRows: AgentActions['activityRows'] = (id) => this.agent.activityRows(id);
  discard: AgentActions['discard'] = (id) => this.agent.discard(id);
  hasWork: AgentActions['hasWork'] = (id) => this.agent.hasWork(id);
  status: AgentActions['status'] = () => this.agent.status();
  models: AgentActions['models'] = () => this.agent.models();
  get requests(): AgentActions['requests'] {
    return this.agent.requests;
  }
  /** Warm slots and dev servers check trust themselves: a dev server's Run refuses while `devServer` is untrusted. */
  get env(): AgentActions['env'] {
    return this.agent.env;
  }
}
