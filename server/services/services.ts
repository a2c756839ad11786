import type { Services } from '../context.js';
import type { EventBus } from '../events/event-bus.js';
import type { StudioStore } from '../store/studio-store.js';
import type { AgentActions } from './agent-actions.js';
import { ConflictService } from './conflict-service.js';
import { ProjectService } from './project-service.js';
import { TaskService } from './task-service.js';

/** The services the routers call, for the studio and for the CLI and MCP server working on the files alone. */
export function createServices(store: StudioStore, bus: EventBus, agent: AgentActions, demo = false): Services {
  return {
    store,
    bus,
    agent,
    tasks: new TaskService(store, agent),
    conflicts: new ConflictService(store),
    project: new ProjectService(store, agent, demo),
  };
}
