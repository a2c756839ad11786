import type { EventBus } from '../events/event-bus.js';
import type { Repo } from '../git/repo.js';
import { type GithubOptions, GithubService } from '../github/github-service.js';
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
  github: GithubService;
}

/** The services the routers call, for the studio and for the CLI and MCP server working on the files alone. */
export function createServices(
  store: StudioStore,
  bus: EventBus,
  rawAgent: AgentActions,
  repo: Repo,
  demo = false,
  githubOptions: GithubOptions = {},
): Services {
  const trust = new TrustService(store);
  const agent = new TrustedAgent(rawAgent, trust);
  const dependencies = new DependencyService(store, agent);
  // A committed github.apiUrl receives the token: used only once this user trusts the settings.
  const trusted = async () => (await trust.state()).state === 'trusted';
  const github = new GithubService(store, repo, agent, { trusted, ...githubOptions });
  return {
    github,
    store,
    bus,
    agent,
    trust,
    dependencies,
    comments: new CommentService(store, repo),
    tasks: new TaskService(store, agent, dependencies, github),
    conflicts: new ConflictService(store),
    project: new ProjectService(store, agent, trust, github, demo),
  };
}
