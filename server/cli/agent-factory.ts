import type { StudioServerOptions } from '../index.js';
import { NoAgent } from '../services/no-agent.js';

export function agentFactory(_options: {
  opencodeUrl: string | null;
  log: (line: string) => void;
}): StudioServerOptions['agent'] {
  return async () => new NoAgent('the orchestrator is not wired yet');
}
