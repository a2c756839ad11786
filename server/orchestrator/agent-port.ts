import type { OpencodeState } from '../../shared/events.js';
import type { AgentRunner } from '../opencode/agent-runner.js';
import type { ModelFailure } from '../opencode/model-errors.js';
import type { RequestAnswers } from '../opencode/request-channel.js';

/** What a phase needs of an agent: the real one is `AgentRunner` on OpenCode; tests inject their own. */
export type PhaseAgent = Pick<AgentRunner, 'runPhase' | 'resume' | 'sessionBusy'> &
  Partial<Pick<AgentRunner, 'warm' | 'warmed'>> & { requests: RequestAnswers };

/** What the orchestrator needs of its link to OpenCode (`OpencodeLink` in production). */
export interface AgentLink {
  status(): OpencodeState;
  models(): Promise<string[]>;
  /** Throws a PreconditionError ('opencode-unavailable') when actions cannot be accepted now. */
  assertUsable(): void;
  /** The agent once it is ready; a PreconditionError when it is not. */
  runner(): Promise<PhaseAgent>;
  close(): Promise<void>;
  /** The outcome of the last model call: null when a phase finished, else the model's failure. */
  modelOutcome?(failure: ModelFailure | null): void;
}
