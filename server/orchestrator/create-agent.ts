import type { EventBus } from '../events/event-bus.js';
import { Repo } from '../git/repo.js';
import { type LinkMode, OpencodeLink } from '../opencode/opencode-link.js';
import type { StudioStore } from '../store/studio-store.js';
import type { AgentCredentials } from './agent-credentials.js';
import { Orchestrator } from './orchestrator.js';

export interface AgentOptions {
  mode: LinkMode;
  demo?: boolean;
  log?: (line: string) => void;
  /** Leave starting OpenCode and the recovery of interrupted work to `begin()` (the CLI calls it once it listens). */
  deferStart?: boolean;
  /** Keep warm worktree slots (config warmSlots); default true. Tests that expect each task's worktree at its default path turn it off. */
  warmSlots?: boolean;
  /** The credentials the studio's HTTP edge accepts from the agent sessions' MCP servers (createStudioServer passes them). */
  credentials?: AgentCredentials;
}

export type Agent = Orchestrator & { begin(): void };

/** The orchestrator with its OpenCode link, started, with recovery of interrupted work under way (unless deferred). */
export async function createAgent(store: StudioStore, bus: EventBus, options: AgentOptions): Promise<Agent> {
  // The store's root came from openRepo already.
  const repo = new Repo(store.paths.root);
  const link = new OpencodeLink({
    root: repo.root,
    paths: store.paths,
    bus,
    mode: options.mode,
    demo: options.demo ?? false,
    log: options.log ?? (() => {}),
  });
  const orchestrator = new Orchestrator(repo, store, bus, link, () => {}, options.credentials);
  let begun = false;
  const begin = () => {
    if (begun) return;
    begun = true;
    link.start();
    orchestrator.env.begin({ slots: options.warmSlots ?? true });
    void orchestrator.recover().catch((err) => console.error('could not recover interrupted tasks:', err));
  };
  if (!options.deferStart) begin();
  return Object.assign(orchestrator, { begin });
}
