/** A phase that did not finish: the message is OpenCode's or the model's own, readable by a person. */
export class PhaseFailedError extends Error {
  override name = 'PhaseFailedError';
  constructor(
    message: string,
    readonly sessionId: string | null,
  ) {
    super(message);
  }
}

/** OpenCode did not answer at all (connection refused or reset): it stopped or is restarting. */
export class OpencodeUnreachableError extends PhaseFailedError {
  override name = 'OpencodeUnreachableError';
}

/** The phase's agent run outlasted `phaseTimeoutMinutes`: the session was aborted. */
export class PhaseTimeoutError extends PhaseFailedError {
  override name = 'PhaseTimeoutError';
  readonly reason = 'phase-timeout' as const;
}

/** The runner was closed while the session was still running; `resume` can pick it up later. */
export class RunnerClosedError extends PhaseFailedError {
  override name = 'RunnerClosedError';
}

/** Aborted through the run's signal, `AgentRunner.abort`, or by someone else in OpenCode. */
export class PhaseAbortedError extends Error {
  override name = 'PhaseAbortedError';
  constructor(
    message: string,
    readonly sessionId: string | null = null,
  ) {
    super(message);
  }
}
