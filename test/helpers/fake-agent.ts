import fs from 'node:fs/promises';
import path from 'node:path';
import type { EventBus } from '../../server/events/event-bus.js';
import { openRepo } from '../../server/git/repo.js';
import { PhaseAbortedError, type RunPhaseInput } from '../../server/opencode/agent-runner.js';
import type { AgentLink, PhaseAgent } from '../../server/orchestrator/agent-port.js';
import { Orchestrator } from '../../server/orchestrator/orchestrator.js';
import type { StudioStore } from '../../server/store/studio-store.js';
import { type OpencodeState, UNKNOWN_MODEL_HEALTH } from '../../shared/events.js';
import type { AgentPhase } from '../../shared/task.js';

/**
 * What a fake phase answers; implementation and fix also write `path` in the worktree. `stallFor`
 * (ms): the phase reports that it has shown no output for that long, then hangs until aborted.
 */
export type FakeStep = { text: string; write?: { path: string; content: string }; fail?: string; stallFor?: number };

const DEFAULT_STEPS: Record<AgentPhase, FakeStep> = {
  planning: { text: '# Plan\n\n1. Write hello.txt\n' },
  implementation: { text: 'Done.', write: { path: 'hello.txt', content: 'hello\n' } },
  fix: { text: 'Fixed.', write: { path: 'hello.txt', content: 'hello, fixed\n' } },
  review: { text: 'Looks right.\n\nVERDICT: APPROVED' },
  conflicts: { text: 'Resolved.' },
};

/**
 * An agent with no OpenCode behind it: each phase answers at once from a script. It stands in for
 * the real runner in fast orchestrator tests; the end-to-end tests keep the real `opencode serve`.
 */
export class FakeAgent implements PhaseAgent {
  readonly calls: RunPhaseInput[] = [];
  private sessions = 0;

  constructor(private readonly steps: Partial<Record<AgentPhase, FakeStep[]>> = {}) {}

  async runPhase(input: RunPhaseInput) {
    this.calls.push(input);
    const sessionId = `fake-${++this.sessions}`;
    input.onSession?.(sessionId);
    const step = this.steps[input.phase]?.shift() ?? DEFAULT_STEPS[input.phase];
    if (step.fail) throw new Error(step.fail);
    if (step.stallFor !== undefined) {
      input.watchdog?.onStall(new Date(Date.now() - step.stallFor).toISOString());
      await new Promise((resolve) => input.signal?.addEventListener('abort', resolve, { once: true }));
      throw new PhaseAbortedError('the phase was aborted', sessionId);
    }
    if (step.write) await fs.writeFile(path.join(input.directory, step.write.path), step.write.content);
    return { sessionId, text: step.text, tokens: 10, cost: 0, durationMs: 1 };
  }

  async resume(): Promise<never> {
    throw new Error('the fake agent has no sessions to resume');
  }

  async sessionBusy(): Promise<boolean> {
    return false;
  }

  /** The fake agent never asks, so there is never a request to answer. */
  readonly requests = {
    reply: async () => false,
    answer: async () => false,
    dismiss: async () => false,
  };
}

export class FakeLink implements AgentLink {
  constructor(readonly agent: PhaseAgent = new FakeAgent()) {}
  status(): OpencodeState {
    return { state: 'ready', url: 'fake://agent', reason: null, managed: false, demo: false, model: UNKNOWN_MODEL_HEALTH };
  }
  async models(): Promise<string[]> {
    return [];
  }
  assertUsable(): void {}
  async runner(): Promise<PhaseAgent> {
    return this.agent;
  }
  async close(): Promise<void> {}
}

/** The real orchestrator over a fake agent: pass as `agent` to startStudio. */
export function fakeAgentStudio(agent: FakeAgent = new FakeAgent()) {
  return async (store: StudioStore, bus: EventBus) =>
    new Orchestrator(await openRepo(store.paths.root), store, bus, new FakeLink(agent));
}
