import type { EventBus } from './events/event-bus.js';
import type { AgentActions } from './services/agent-actions.js';
import type { CommentService } from './services/comment-service.js';
import type { ConflictService } from './services/conflict-service.js';
import type { DependencyService } from './services/dependency-service.js';
import type { ProjectService } from './services/project-service.js';
import type { TaskService } from './services/task-service.js';
import type { TrustService } from './services/trust-service.js';
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
  trust: TrustService;
}

/**
 * Who calls: the person who started the studio (their token), or one of the studio's own agent
 * sessions (a credential bound to its task). Every procedure declares what an agent may do.
 */
export type Principal = { kind: 'person' } | { kind: 'agent'; taskId: string };

export const PERSON: Principal = { kind: 'person' };

export interface Context {
  services: Services;
  /** Set by the HTTP and WebSocket edges from the token; null when it proves nothing (refused). */
  principal: Principal | null;
}
