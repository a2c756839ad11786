import type { StudioServerOptions } from '../index.js';
import { createAgent } from '../orchestrator/create-agent.js';

/** The real agent: OpenCode from our own dependency, or the one at --opencode-url. */
export function agentFactory(options: { opencodeUrl: string | null; log: (line: string) => void }): StudioServerOptions['agent'] {
  return (store, bus, credentials) =>
    createAgent(store, bus, {
      credentials,
      mode: options.opencodeUrl ? { kind: 'attached', url: options.opencodeUrl } : { kind: 'managed' },
      log: options.log,
      // Spawning OpenCode and its first request would compete with the start-up: begin once listening.
      deferStart: true,
    });
}
