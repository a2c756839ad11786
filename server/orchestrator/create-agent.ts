import type { EventBus } from '../events/event-bus.js';
import { openRepo } from '../git/repo.js';
import { type LinkMode, OpencodeLink } from '../opencode/opencode-link.js';
import type { StudioStore } from '../store/studio-store.js';
import { Orchestrator } from './orchestrator.js';

export interface AgentOptions {
  mode: LinkMode;
  demo?: boolean;
  log?: (line: string) => void;
}

/** The orchestrator with its OpenCode link, started, with recovery of interrupted work under way. */
export async function createAgent(store: StudioStore, bus: EventBus, options: AgentOptions): Promise<Orchestrator> {
  const repo = await openRepo(store.paths.root);
  const link = new OpencodeLink({
    root: repo.root,
    paths: store.paths,
    bus,
    mode: options.mode,
    demo: options.demo ?? false,
    log: options.log ?? (() => {}),
  });
  const orchestrator = new Orchestrator(repo, store, bus, link);
  link.start();
  void orchestrator.recover().catch((err) => console.error('could not recover interrupted tasks:', err));
  return orchestrator;
}
