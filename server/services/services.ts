import type { Services } from '../context.js';
import type { EventBus } from '../events/event-bus.js';
import { type GithubOptions, GithubService } from '../github/github-service.js';
import type { Repo } from '../git/repo.js';
import type { StudioStore } from '../store/studio-store.js';
import type { AgentActions } from './agent-actions.js';
import { CommentService } from './comment-service.js';
import { ConflictService } from './conflict-service.js';
import { DependencyService } from './dependency-service.js';
import { ProjectService } from './project-service.js';
import { TaskService } from './task-service.js';

/** The services the routers call, for the studio and for the CLI and MCP server working on the files alone. */
export function createServices(
  store: StudioStore,
  bus: EventBus,
  agent: AgentActions,
  repo: Repo,
  demo = false,
  githubOptions: GithubOptions = {},
): Services {
  const dependencies = new DependencyService(store, agent);
  const github = new GithubService(store, repo, agent, githubOptions);
  return {
    github,
    store,
    bus,
    agent,
    dependencies,
    comments: new CommentService(store, repo),
    tasks: new TaskService(store, agent, dependencies, github),
    conflicts: new ConflictService(store),
    project: new ProjectService(store, agent, github, demo),
  };
}
