import type { Message, OpencodeClient, Part } from '@opencode-ai/sdk/v2';
import type { ActivityEntry } from '../../shared/activity.js';
import type { AgentPhase } from '../../shared/task.js';
import type { OpencodeEvent } from './event-stream.js';
import { classifyModelError, classifyRetry, isFinal, ModelFailedError, type ModelFailure } from './model-errors.js';
import { errorMessage, PartActivity, tokenCount } from './part-activity.js';
import { PhaseAbortedError, PhaseFailedError } from './phase-errors.js';
import { askedRequest, type RequestSignal, repliedRequest } from './request-channel.js';

export type SessionMessage = { info: Message; parts: Part[] };

export interface PhaseResult {
  sessionId: string;
  /** The final assistant text of the run. */
  text: string;
  tokens: number;
  cost: number;
  durationMs: number;
}

/** What the runner knows about one running session, fed by the shared event stream. */
export class SessionWatch {
  readonly activity: PartActivity;
  error: string | null = null;
  /** The model's failure, when the run failed (or is being stopped) because of the model. */
  modelFailure: ModelFailure | null = null;
  /** "provider/model" the run uses, once OpenCode says. */
  model: string | null = null;
  aborted = false;
  /** Settles when the session goes idle, or with 'closed' when the runner closes. */
  readonly done: Promise<'idle' | 'closed'>;
  recheck: NodeJS.Timeout | null = null;
  /** When the session last showed output: a part, a token, a tool call, or OpenCode retrying the model. */
  lastProgressAt = Date.now();
  #stalled = false;
  #stallTimer: NodeJS.Timeout | null = null;
  readonly #client: OpencodeClient;
  readonly #onRequest: ((signal: RequestSignal) => void) | undefined;
  #settle: (how: 'idle' | 'closed') => void = () => {};

  constructor(
    client: OpencodeClient,
    readonly sessionId: string,
    readonly directory: string,
    phase: AgentPhase,
    onActivity?: (e: ActivityEntry) => void,
    onRequest?: (signal: RequestSignal) => void,
  ) {
    this.#client = client;
    this.#onRequest = onRequest;
    this.done = new Promise((resolve) => {
      this.#settle = resolve;
    });
    this.activity = new PartActivity(phase, directory, (e) => {
      try {
        onActivity?.(e);
      } catch (err) {
        console.error('opencode-studio: an activity listener failed', err);
      }
    });
  }

  settle(how: 'idle' | 'closed'): void {
    this.#settle(how);
  }

  /**
   * Calls `onStall` with the time of the last output once there has been none for `stallMs`,
   * and with null when output comes again. Stopped by `stopWatchdog`.
   */
  watchdog(stallMs: number, onStall: (since: string | null) => void): void {
    if (stallMs <= 0) return;
    this.#onStall = onStall;
    const every = Math.min(5_000, Math.max(200, stallMs / 5));
    this.#stallTimer = setInterval(() => {
      if (this.#stalled || Date.now() - this.lastProgressAt < stallMs) return;
      this.#stalled = true;
      this.#tellStall(new Date(this.lastProgressAt).toISOString());
    }, every);
  }

  stopWatchdog(): void {
    if (this.#stallTimer) clearInterval(this.#stallTimer);
    this.#stallTimer = null;
  }

  #onStall: (since: string | null) => void = () => {};

  #tellStall(since: string | null): void {
    try {
      this.#onStall(since);
    } catch (err) {
      console.error('opencode-studio: a stall listener failed', err);
    }
  }

  #progress(): void {
    this.lastProgressAt = Date.now();
    if (!this.#stalled) return;
    this.#stalled = false;
    this.#tellStall(null);
  }

  handle(event: OpencodeEvent): void {
    if (PROGRESS.has(event.type) || (event.type === 'session.status' && event.properties.status.type === 'retry'))
      this.#progress();
    switch (event.type) {
      case 'message.updated': {
        const info = event.properties.info;
        const ref = info.role === 'assistant' ? info : info.model;
        if (ref?.providerID) this.model = `${ref.providerID}/${ref.modelID}`;
        this.activity.message(info);
        break;
      }
      case 'message.part.updated':
        this.activity.part(event.properties.part);
        break;
      case 'message.part.delta':
        this.activity.delta(event.properties.partID, event.properties.field, event.properties.delta);
        break;
      case 'session.status':
        if (event.properties.status.type === 'retry') {
          const { attempt, message, next } = event.properties.status;
          const retryAt = next ? new Date(next).toISOString() : undefined;
          this.activity.error(`retrying (attempt ${attempt}): ${message}`, attempt, retryAt);
          this.#retrying(classifyRetry(event.properties.status, this.model));
        } else if (event.properties.status.type === 'idle') this.settle('idle');
        break;
      case 'session.idle':
        this.settle('idle');
        break;
      case 'session.error':
        this.#sessionError(event.properties.error);
        break;
      case 'permission.asked':
      case 'question.asked':
        if (this.#onRequest) this.request({ type: 'asked', request: askedRequest(event)! });
        else this.#refuse(event);
        break;
      case 'permission.replied':
      case 'question.replied':
      case 'question.rejected':
        this.request(repliedRequest(event)!);
        break;
    }
  }

  /**
   * OpenCode retries a failing model call for about a minute. A model that cannot be reached or
   * refuses the key will not answer on the next try: stop the run now and say what to fix.
   */
  #retrying(failure: ModelFailure): void {
    if (!isFinal(failure.reason) || this.modelFailure) return;
    this.modelFailure = failure;
    void this.#client.session.abort({ sessionID: this.sessionId, directory: this.directory }).catch(() => undefined);
    this.settle('idle');
  }

  /** Tells the request listener, if any; a failing listener must not break the run. */
  request(signal: RequestSignal): void {
    try {
      this.#onRequest?.(signal);
    } catch (err) {
      console.error('opencode-studio: a request listener failed', err);
    }
  }

  /** With nobody to answer, an unanswered request would hang the run forever. */
  #refuse(event: Extract<OpencodeEvent, { type: 'permission.asked' | 'question.asked' }>): void {
    const { id } = event.properties;
    if (event.type === 'question.asked') {
      this.activity.error('the agent asked a question; the studio runs unattended, so it was dismissed');
      void this.#client.question.reject({ requestID: id, directory: this.directory }).catch(() => undefined);
      return;
    }
    const { permission, patterns } = event.properties;
    this.activity.error(
      `the agent asked for permission "${permission}" (${patterns.join(', ')}); the studio runs unattended and refused`,
    );
    const message = 'Refused: this run is unattended. Work inside the project directory.';
    void this.#client.permission
      .reply({ requestID: id, directory: this.directory, reply: 'reject', message })
      .catch(() => undefined);
  }

  /** The result of the run in `messages` (the last user message and what followed), or its failure. */
  result(messages: SessionMessage[], startedAt: number | null): PhaseResult {
    const { sessionId } = this;
    const assistants = messages.flatMap((m) => (m.info.role === 'assistant' ? [{ info: m.info, parts: m.parts }] : []));
    const failed = assistants.find((m) => m.info.error)?.info.error;
    const model = this.modelFailure ?? classifyModelError(failed, this.model);
    if (model) throw new ModelFailedError(model, sessionId);
    if (this.aborted || failed?.name === 'MessageAbortedError') throw new PhaseAbortedError('the phase was aborted', sessionId);
    if (this.error) throw new PhaseFailedError(this.error, sessionId);
    if (failed) throw new PhaseFailedError(errorMessage(failed), sessionId);
    const last = assistants.at(-1);
    if (!last) throw new PhaseFailedError('OpenCode ended the run without an answer', sessionId);
    if (last.info.time.completed === undefined) throw new PhaseFailedError('OpenCode stopped before the run finished', sessionId);
    const texts = assistants.map((m) => textOf(m.parts)).filter((t) => t !== '');
    return {
      sessionId,
      text: texts.at(-1) ?? '',
      tokens: assistants.reduce((sum, m) => sum + tokenCount(m.info.tokens), 0),
      cost: assistants.reduce((sum, m) => sum + m.info.cost, 0),
      durationMs: Date.now() - (startedAt ?? messages[0]?.info.time.created ?? Date.now()),
    };
  }

  #sessionError(error: Parameters<typeof errorMessage>[0]): void {
    if (error?.name === 'MessageAbortedError') {
      this.aborted = true;
      return;
    }
    // opencode may report the same failure twice, the second time with a stack trace.
    if (this.error) return;
    this.modelFailure ??= classifyModelError(error, this.model);
    this.error = errorMessage(error);
    this.activity.error(this.error);
  }
}

/** Events that are output of the run; `message.updated` is not (OpenCode also sends it when a run ends or fails). */
const PROGRESS: ReadonlySet<OpencodeEvent['type']> = new Set([
  'message.part.updated',
  'message.part.delta',
  // A question to a person and its answer: the wait for a person is not the model stalling.
  'permission.asked',
  'permission.replied',
  'question.asked',
  'question.replied',
  'question.rejected',
]);

export function sessionIdOf(event: OpencodeEvent): string | undefined {
  const props: unknown = 'properties' in event ? event.properties : undefined;
  if (!props || typeof props !== 'object' || !('sessionID' in props)) return undefined;
  return typeof props.sessionID === 'string' ? props.sessionID : undefined;
}

/** Whether the run's last answer is complete or failed, i.e. nothing more will come. */
export function settledRun(messages: SessionMessage[]): boolean {
  const last = messages.at(-1)?.info;
  return last?.role === 'assistant' && (last.time.completed !== undefined || last.error !== undefined);
}

function textOf(parts: Part[]): string {
  return parts
    .flatMap((p) => (p.type === 'text' && !p.synthetic && !p.ignored ? [p.text] : []))
    .join('\n')
    .trim();
}
