import type { EventBus } from './events/event-bus.js';
import type { AgentActions } from './orchestrator/agent-actions.js';
import type { CommentService } from './services/comment-service.js';
import type { ConflictService } from './services/conflict-service.js';
import type { DependencyService } from './services/dependency-service.js';
import type { ProjectService } from './services/project-service.js';
import type { TaskService } from './services/task-service.js';
import type { StudioStore } from './store/studio-store.js';

export interface Services {
  store: StudioStore;
  bus: EventBus;
  tasks: TaskService;
  project: ProjectService;
  agent: AgentActions;
  conflicts: ConflictService;
  comments: CommentService;
  dependencies: DependencyService;
}

export interface Context {
  services: Services;
  /** Set by the HTTP and WebSocket edges after checking the token. */
  authed: boolean;
}
