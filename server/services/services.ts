import type { EventBus } from '../events/event-bus.js';
import type { Repo } from '../git/repo.js';
import type { AgentActions } from '../orchestrator/agent-actions.js';
import type { StudioStore } from '../store/studio-store.js';
import { CommentService } from './comment-service.js';
import { ConflictService } from './conflict-service.js';
import { DependencyService } from './dependency-service.js';
import { ProjectService } from './project-service.js';
import { TaskService } from './task-service.js';
import { TrustService } from './trust-service.js';
import { TrustedAgent } from './trusted-agent.js';

/** What the routers reach through their context. */
export interface Services {
  store: StudioStore;
  bus: EventBus;
  tasks: TaskService;
  project: ProjectService;
  agent: AgentActions;
  conflicts: ConflictService;
  comments: CommentService;
  dependencies: DependencyService;
  trust: TrustService;
}

/** The services the routers call, for the studio and for the CLI and MCP server working on the files alone. */
export function createServices(store: StudioStore, bus: EventBus, rawAgent: AgentActions, repo: Repo, demo = false): Services {
  const trust = new TrustService(store);
  const agent = new TrustedAgent(rawAgent, trust);
  const dependencies = new DependencyService(store, agent);
  return {
    store,
    bus,
    agent,
    trust,
    dependencies,
    comments: new CommentService(store, repo),
    tasks: new TaskService(store, agent, dependencies),
    conflicts: new ConflictService(store),
    project: new ProjectService(store, agent, trust, demo),
  };
}
