import type { ActivityEntry } from '../../shared/activity.js';
import { describeRequest } from '../../shared/request-text.js';
import type {
  AgentRequest,
  AnswerRequestInput,
  DismissRequestInput,
  ReplyRequestInput,
  RequestOutcome,
} from '../../shared/requests.js';
import type { AgentPhase } from '../../shared/task.js';
import { errorMessage, InvalidInputError, NotFoundError, PreconditionError } from '../errors.js';
import type { EventBus } from '../events/event-bus.js';
import type { AskedRequest, RequestAnswers, RequestSignal } from '../opencode/request-channel.js';
import type { StudioStore } from '../store/studio-store.js';

/** What the routers offer: the agent's pending requests and the answers a person gives. */
export interface RequestBook {
  list(taskId?: string): AgentRequest[];
  reply(input: ReplyRequestInput): Promise<Answered>;
  answer(input: AnswerRequestInput): Promise<Answered>;
  dismiss(input: DismissRequestInput): Promise<Answered>;
}

type Answered = { ok: true };
type Pending = { request: AgentRequest; directory: string; phase: AgentPhase };
type Activity = { append(taskId: string, entry: ActivityEntry): void };

const REFUSALS_KEPT = 10;
const UNATTENDED = 'Refused: this studio runs unattended ("unattended": true in .opencode-studio/config.json).';

/**
 * The agent's permission requests and questions that wait for a person, kept in memory (OpenCode
 * holds the real ones: a restart of OpenCode loses them). A task with one becomes `waiting`.
 */
export class RequestService implements RequestBook {
  readonly #pending = new Map<string, Pending>();

  constructor(
    private readonly store: StudioStore,
    private readonly bus: EventBus,
    private readonly activity: Activity,
    private readonly runner: () => Promise<{ requests: RequestAnswers }>,
  ) {}

  list(taskId?: string): AgentRequest[] {
    if (taskId !== undefined) this.store.tasks.get(taskId);
    return [...this.#pending.values()].map((p) => p.request).filter((r) => taskId === undefined || r.taskId === taskId);
  }

  /** The listener for one run of one task's phase. */
  listener(taskId: string, phase: AgentPhase, directory: string): (signal: RequestSignal) => void {
    return (signal) => {
      if (signal.type === 'asked') void this.#asked(taskId, phase, directory, signal.request);
      else if (signal.type === 'replied') this.#drop(signal.requestId, signal.outcome);
      // The run is over: whoever ends it (finish, abort, failure) sets the run's state, not us.
      else for (const r of this.list(taskId)) this.#drop(r.id, 'gone', false);
    };
  }

  async reply(input: ReplyRequestInput): Promise<Answered> {
    const p = this.#find(input.taskId, input.requestId, 'permission');
    return this.#send(p, input.reply, (c) => c.reply(p.directory, p.request.id, input.reply, input.message));
  }

  async answer(input: AnswerRequestInput): Promise<Answered> {
    const p = this.#find(input.taskId, input.requestId, 'question');
    const asked = p.request.questions?.length ?? 0;
    if (input.answers.length !== asked)
      throw new InvalidInputError(
        `answers: the request ${p.request.id} has ${asked} question(s), got ${input.answers.length} answer(s)`,
      );
    return this.#send(p, 'answered', (c) => c.answer(p.directory, p.request.id, input.answers));
  }

  async dismiss(input: DismissRequestInput): Promise<Answered> {
    const p = this.#find(input.taskId, input.requestId, 'question');
    return this.#send(p, 'dismissed', (c) => c.dismiss(p.directory, p.request.id));
  }

  #find(taskId: string, requestId: string, kind: AgentRequest['kind']): Pending {
    this.store.tasks.get(taskId);
    const p = this.#pending.get(requestId);
    if (!p) throw new NotFoundError(`the request ${requestId} is not pending (already answered, or its run ended)`);
    if (p.request.taskId !== taskId)
      throw new InvalidInputError(`the request ${requestId} belongs to the task ${p.request.taskId}, not ${taskId}`);
    if (p.request.kind !== kind)
      throw new InvalidInputError(
        p.request.kind === 'question'
          ? `the request ${requestId} is a question: answer or dismiss it`
          : `the request ${requestId} is a permission request: reply once, always or reject`,
      );
    return p;
  }

  async #send(p: Pending, outcome: RequestOutcome, call: (channel: RequestAnswers) => Promise<boolean>): Promise<Answered> {
    let found: boolean;
    try {
      found = await call((await this.runner()).requests);
    } catch (err) {
      if (err instanceof PreconditionError) throw err;
      throw new PreconditionError(`could not answer the request ${p.request.id}: ${errorMessage(err)}`, 'opencode-unavailable');
    }
    this.#drop(p.request.id, found ? outcome : 'gone');
    if (!found) throw new NotFoundError(`the request ${p.request.id} is gone: OpenCode no longer has it`);
    return { ok: true };
  }

  async #asked(taskId: string, phase: AgentPhase, directory: string, asked: AskedRequest): Promise<void> {
    const { sessionId: _session, ...rest } = asked;
    const request: AgentRequest = { ...rest, taskId };
    if (this.store.config.get().unattended) return this.#refuse(taskId, phase, directory, request);
    if (this.#pending.has(request.id)) return;
    this.#pending.set(request.id, { request, directory, phase });
    this.#log(taskId, phase, `asked ${describeRequest(request)}`);
    this.bus.emit({ type: 'request.asked', taskId, request });
    await this.#syncRun(taskId);
  }

  #drop(requestId: string, outcome: RequestOutcome, syncRun = true): void {
    const p = this.#pending.get(requestId);
    if (!p) return;
    this.#pending.delete(requestId);
    this.#log(p.request.taskId, p.phase, `${outcome === 'gone' ? 'gone unanswered' : outcome}: ${describeRequest(p.request)}`);
    this.bus.emit({ type: 'request.replied', taskId: p.request.taskId, request: p.request, outcome });
    if (syncRun) void this.#syncRun(p.request.taskId);
  }

  /** `waiting` while the task has a pending request, `running` again once none is left. */
  async #syncRun(taskId: string): Promise<void> {
    const first = this.list(taskId)[0];
    await this.store.tasks
      .update(taskId, (t) => {
        const run = t.run;
        if (first && (run?.state === 'running' || run?.state === 'waiting')) {
          const activity = `needs you: ${describeRequest(first)} (holds its agent slot)`;
          return run.state === 'waiting' && run.activity === activity ? null : { run: { ...run, state: 'waiting', activity } };
        }
        if (!first && run?.state === 'waiting') return { run: { ...run, state: 'running', activity: null } };
        return null;
      })
      .catch((err) => console.error(`could not mark ${taskId} as waiting:`, err));
  }

  async #refuse(taskId: string, phase: AgentPhase, directory: string, request: AgentRequest): Promise<void> {
    const what = describeRequest(request);
    this.activity.append(taskId, { kind: 'error', at: new Date().toISOString(), phase, message: `refused ${what} (unattended)` });
    try {
      const channel = (await this.runner()).requests;
      if (request.kind === 'permission') await channel.reply(directory, request.id, 'reject', UNATTENDED);
      else await channel.dismiss(directory, request.id);
    } catch (err) {
      console.error(`could not refuse ${request.id}:`, err);
    }
    // The card keeps saying it after the run: the latest refusals stay on the task.
    await this.store.tasks
      .update(taskId, (t) => ({
        refused: [...(t.refused ?? []), what.slice(0, 1_000)].slice(-REFUSALS_KEPT),
        ...(t.run?.state === 'running' ? { run: { ...t.run, activity: `refused ${what} (unattended)` } } : {}),
      }))
      .catch((err) => console.error(`could not record the refusal on ${taskId}:`, err));
  }

  /** OpenCode went away while the task waited for a person: the request is gone with it, the task is interrupted. */
  async interrupted(taskId: string, phase: AgentPhase, reason: string): Promise<void> {
    const error = `OpenCode stopped while ${phase} waited for your answer (${reason}); the request is gone: retry to run it again.`;
    this.activity.append(taskId, { kind: 'error', at: new Date().toISOString(), phase, message: error });
    await this.store.tasks
      .update(taskId, (t) => (t.run ? { run: { ...t.run, phase, state: 'interrupted', activity: null }, error } : null))
      .catch((err) => console.error(`could not record the interruption of ${taskId}:`, err));
  }

  #log(taskId: string, phase: AgentPhase, message: string): void {
    this.activity.append(taskId, { kind: 'request', at: new Date().toISOString(), phase, message });
  }
}

/** Without an agent nothing can ask: the list is empty and every answer names the missing request. */
export const NO_REQUESTS: RequestBook = {
  list: () => [],
  reply: async (i) => Promise.reject(new NotFoundError(`the request ${i.requestId} is not pending`)),
  answer: async (i) => Promise.reject(new NotFoundError(`the request ${i.requestId} is not pending`)),
  dismiss: async (i) => Promise.reject(new NotFoundError(`the request ${i.requestId} is not pending`)),
};
