import { createOpencodeClient, type OpencodeClient, type PermissionRuleset } from '@opencode-ai/sdk/v2';
import type { ActivityEntry } from '../../shared/activity.js';
import type { AgentPhase } from '../../shared/task.js';
import { OpencodeEventStream } from './event-stream.js';
import {
  OpencodeUnreachableError,
  PhaseAbortedError,
  PhaseFailedError,
  PhaseTimeoutError,
  RunnerClosedError,
} from './phase-errors.js';
import { RequestChannel, type RequestSignal } from './request-channel.js';
import { type PhaseResult, type SessionMessage, SessionWatch, sessionIdOf, settledRun } from './session-watch.js';

export {
  OpencodeUnreachableError,
  PhaseAbortedError,
  PhaseFailedError,
  PhaseTimeoutError,
  RunnerClosedError,
} from './phase-errors.js';
export type { PhaseResult } from './session-watch.js';

/** A local MCP server for a session: its command, and environment for it alone (e.g. an agent's credential). */
export type StudioMcp = { name: string; command: string[]; environment?: Record<string, string> };

/**
 * Limits on a run (config `phaseStallSeconds`, `phaseTimeoutMinutes`; 0 turns one off): after
 * `stallMs` without output `onStall` gets the time of the last output (null once output resumes);
 * after `timeoutMs` the session is aborted and the run fails with PhaseTimeoutError.
 */
export type RunWatchdog = { stallMs: number; timeoutMs: number; onStall: (since: string | null) => void };

export interface RunPhaseInput {
  directory: string;
  agent: 'plan' | 'build';
  phase: AgentPhase;
  title: string;
  prompt: string;
  system?: string;
  /** "provider/model"; null or absent: opencode's configured default. */
  model?: string | null;
  signal?: AbortSignal;
  onActivity?: (e: ActivityEntry) => void;
  onSession?: (sessionId: string) => void;
  /** A local MCP server (name and command) whose tools the session gets, e.g. the studio's own. */
  mcp?: StudioMcp | null;
  /** Permission requests and questions go here; without it they are refused (nobody would answer). */
  onRequest?: (signal: RequestSignal) => void;
  /** An OpenCode permission ruleset for the new session. */
  permission?: PermissionRuleset;
  watchdog?: RunWatchdog;
}

export interface ResumeInput {
  directory: string;
  sessionId: string;
  phase: AgentPhase;
  signal?: AbortSignal;
  onActivity?: (e: ActivityEntry) => void;
  onRequest?: (signal: RequestSignal) => void;
  watchdog?: RunWatchdog;
}

const ABORT_WAIT_MS = 5_000;
/** A prompted session that is neither busy nor answered after this long has lost its run. */
const STALL_MS = 10_000;

/** Runs agent phases on one opencode server, over a single event subscription for all sessions. */
export class AgentRunner {
  readonly #client: OpencodeClient;
  readonly #url: string;
  readonly #connectTimeoutMs: number;
  readonly #stream: OpencodeEventStream;
  readonly #watches = new Map<string, SessionWatch>();
  /** `<directory>\0<name>` of the MCP servers already added to OpenCode's instance for that directory. */
  readonly #mcpAdded = new Set<string>();
  /** Answers to the agent's permission requests and questions. */
  readonly requests: RequestChannel;

  /** `connectTimeoutMs` (default 15 s): how long a run waits for an unreachable server before failing. */
  constructor(opts: { url: string; authHeader?: string | null; connectTimeoutMs?: number }) {
    this.#url = opts.url;
    this.#connectTimeoutMs = opts.connectTimeoutMs ?? 15_000;
    this.#client = createOpencodeClient({
      baseUrl: opts.url,
      ...(opts.authHeader ? { headers: { Authorization: opts.authHeader } } : {}),
    });
    this.requests = new RequestChannel(this.#client);
    this.#stream = new OpencodeEventStream(this.#client, {
      onEvent: (_directory, event) => {
        const id = sessionIdOf(event);
        if (id) this.#watches.get(id)?.handle(event);
      },
      onConnected: () => {
        for (const w of this.#watches.values()) void this.#recheck(w);
      },
    });
  }

  async runPhase(i: RunPhaseInput): Promise<PhaseResult> {
    const startedAt = Date.now();
    if (i.signal?.aborted) throw new PhaseAbortedError('the phase was aborted before it started');
    const model = parseModel(i.model);
    await this.#ready(null);
    if (i.mcp) await this.#addMcp(i.directory, i.mcp);
    const session = await request(
      'create a session',
      this.#client.session.create({
        directory: i.directory,
        title: i.title,
        ...(i.permission ? { permission: i.permission } : {}),
      }),
    );
    i.onSession?.(session.id);
    const watch = this.#watch(new SessionWatch(this.#client, session.id, i.directory, i.phase, i.onActivity, i.onRequest));
    try {
      await request(
        'send the prompt',
        this.#client.session.promptAsync({
          sessionID: session.id,
          directory: i.directory,
          agent: i.agent,
          parts: [{ type: 'text', text: i.prompt }],
          ...(i.system ? { system: i.system } : {}),
          ...(model ? { model } : {}),
        }),
        session.id,
      );
      return await this.#finish(watch, i.signal, startedAt, i.watchdog);
    } finally {
      this.#unwatch(watch);
    }
  }

  /** Waits for a session started earlier (e.g. before a studio restart) and returns its result. */
  async resume(i: ResumeInput): Promise<PhaseResult> {
    if (i.signal?.aborted) throw new PhaseAbortedError('the phase was aborted', i.sessionId);
    await this.#ready(i.sessionId);
    const watch = this.#watch(new SessionWatch(this.#client, i.sessionId, i.directory, i.phase, i.onActivity, i.onRequest));
    try {
      // Requests asked before the restart are still pending in OpenCode if it kept running.
      if (i.onRequest)
        for (const asked of await this.requests.pending(i.directory, i.sessionId).catch(() => []))
          watch.request({ type: 'asked', request: asked });
      void this.#recheck(watch);
      return await this.#finish(watch, i.signal, null, i.watchdog);
    } finally {
      this.#unwatch(watch);
    }
  }

  /**
   * OpenCode starts an instance per directory on the first request that names it (config,
   * project, watcher: seconds on a big repository). Asking early lets that overlap with the
   * studio's own preparation (worktree setup commands, the prompt); failures do not matter here.
   */
  warm(directory: string): void {
    void this.warmed(directory);
  }

  /**
   * The same, settled once the directory's instance is ready for a prompt (a warm slot waits for
   * it). Measured on 1.18 (bench/probes/first-request.ts, 3,000 files): a first prompt in a new
   * directory waits 3.5 s before its model request; after this, 0.3 s. The first session pays for
   * the instance, the file search for the file index, and the provider list for loading the
   * providers; none of it asks the model.
   */
  async warmed(directory: string): Promise<void> {
    await this.#client.path.get({ directory }).catch(() => undefined);
    const made = await this.#client.session.create({ directory, title: 'studio warm-up' }).catch(() => null);
    const id = made?.data?.id;
    if (id) await this.#client.session.delete({ sessionID: id, directory }).catch(() => undefined);
    await Promise.all([
      this.#client.find.files({ directory, query: 'README' }).catch(() => undefined),
      this.#client.config.providers({ directory }).catch(() => undefined),
    ]);
  }

  async sessionBusy(directory: string, sessionId: string): Promise<boolean> {
    const statuses = await request('read session status', this.#client.session.status({ directory }), sessionId);
    const status = statuses[sessionId];
    return status !== undefined && status.type !== 'idle';
  }

  async abort(directory: string, sessionId: string): Promise<void> {
    await request('abort the session', this.#client.session.abort({ sessionID: sessionId, directory }), sessionId);
  }

  /** Stops listening; runs still waiting fail with RunnerClosedError while their sessions go on. */
  close(): void {
    this.#stream.close();
    for (const w of this.#watches.values()) w.settle('closed');
  }

  /** OpenCode keeps one instance per directory: the MCP server is added to it once, for every later session there. */
  async #addMcp(directory: string, mcp: StudioMcp): Promise<void> {
    const key = `${directory}\0${mcp.name}\0${mcp.environment ? JSON.stringify(mcp.environment) : ''}`;
    if (this.#mcpAdded.has(key)) return;
    const config = {
      type: 'local' as const,
      command: mcp.command,
      enabled: true,
      ...(mcp.environment ? { environment: mcp.environment } : {}),
    };
    await request(`start the MCP server "${mcp.name}"`, this.#client.mcp.add({ directory, name: mcp.name, config }));
    this.#mcpAdded.add(key);
  }

  async #ready(sessionId: string | null): Promise<void> {
    try {
      await this.#stream.ready(this.#connectTimeoutMs);
    } catch (err) {
      throw new OpencodeUnreachableError(`cannot reach OpenCode at ${this.#url}: ${(err as Error).message}`, sessionId);
    }
  }

  #watch(watch: SessionWatch): SessionWatch {
    this.#watches.set(watch.sessionId, watch);
    return watch;
  }

  #unwatch(watch: SessionWatch): void {
    watch.request({ type: 'ended' });
    if (watch.recheck) clearTimeout(watch.recheck);
    watch.stopWatchdog();
    if (this.#watches.get(watch.sessionId) === watch) this.#watches.delete(watch.sessionId);
  }

  async #finish(
    watch: SessionWatch,
    signal: AbortSignal | undefined,
    startedAt: number | null,
    limits: RunWatchdog | undefined,
  ): Promise<PhaseResult> {
    const { sessionId, directory } = watch;
    let onAbort = () => {};
    const aborted = new Promise<'aborted'>((resolve) => {
      onAbort = () => resolve('aborted');
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
    if (limits) watch.watchdog(limits.stallMs, limits.onStall);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      if (!limits?.timeoutMs) return;
      timer = setTimeout(() => resolve('timeout'), limits.timeoutMs - (Date.now() - (startedAt ?? Date.now())));
    });
    try {
      const outcome = await Promise.race([watch.done, aborted, timedOut]);
      if (outcome === 'closed')
        throw new RunnerClosedError('the agent runner was closed while the session was running', sessionId);
      if (outcome === 'aborted' || outcome === 'timeout') {
        await this.abort(directory, sessionId).catch(() => undefined);
        await Promise.race([watch.done, sleep(ABORT_WAIT_MS)]);
        watch.activity.flush();
        if (outcome === 'aborted') throw new PhaseAbortedError('the phase was aborted', sessionId);
        const minutes = Number(((limits?.timeoutMs ?? 0) / 60_000).toFixed(2));
        throw new PhaseTimeoutError(
          `the phase ran longer than ${minutes} min (phaseTimeoutMinutes) and was stopped; retry it, or raise the limit in Settings`,
          sessionId,
        );
      }
    } finally {
      clearTimeout(timer);
      watch.stopWatchdog();
      signal?.removeEventListener('abort', onAbort);
    }
    watch.activity.flush();
    let messages = await this.#runMessages(watch);
    // The final message.updated (with its error or completion time) can land just after idle.
    if (!watch.error && !watch.aborted && !settledRun(messages)) {
      await sleep(300);
      messages = await this.#runMessages(watch);
    }
    return watch.result(messages, startedAt);
  }

  /** The messages of the latest run: the last user message and the answers after it. */
  async #runMessages(watch: SessionWatch): Promise<SessionMessage[]> {
    const all = await request(
      'read the session messages',
      this.#client.session.messages({ sessionID: watch.sessionId, directory: watch.directory }),
      watch.sessionId,
    );
    const lastUser = all.map((m) => m.info.role).lastIndexOf('user');
    return lastUser < 0 ? all : all.slice(lastUser);
  }

  /** After a (re)connection events may be lost: settle sessions that are no longer running. */
  async #recheck(watch: SessionWatch): Promise<void> {
    if (watch.recheck) clearTimeout(watch.recheck);
    watch.recheck = null;
    try {
      if (await this.sessionBusy(watch.directory, watch.sessionId)) return;
      const messages = await this.#runMessages(watch);
      const promptedAt = messages[0]?.info.time.created ?? 0;
      // opencode is busy for as long as an answer is being written, so an answer that exists
      // while the session is idle is final; with no answer yet, the prompt may not have started.
      const answered = messages.at(-1)?.info.role === 'assistant';
      if (answered || Date.now() - promptedAt > STALL_MS) {
        watch.settle('idle');
        return;
      }
    } catch (err) {
      watch.activity.error(`cannot check the session: ${(err as Error).message}`);
    }
    // Just prompted and not busy yet, or the server is restarting: look again shortly.
    if (this.#watches.get(watch.sessionId) === watch) watch.recheck = setTimeout(() => void this.#recheck(watch), 2_000);
  }
}

/** Unwraps an SDK call, turning transport and HTTP errors into a readable PhaseFailedError. */
async function request<T>(
  what: string,
  call: Promise<{ data?: T; error?: unknown; response?: Response }>,
  sessionId: string | null = null,
): Promise<T> {
  let result: { data?: T; error?: unknown; response?: Response };
  try {
    result = await call;
  } catch (err) {
    // The call itself threw: no HTTP answer came back, so OpenCode is gone (or restarting).
    throw new OpencodeUnreachableError(`cannot ${what}: ${(err as Error).message}`, sessionId);
  }
  if (result.error !== undefined || result.data === undefined) {
    const status = result.response ? ` (HTTP ${result.response.status})` : '';
    throw new PhaseFailedError(`cannot ${what}${status}: ${describe(result.error)}`, sessionId);
  }
  return result.data;
}

function describe(error: unknown): string {
  if (error && typeof error === 'object') {
    const e = error as { data?: { message?: unknown }; message?: unknown };
    if (typeof e.data?.message === 'string') return e.data.message;
    if (typeof e.message === 'string') return e.message;
    return JSON.stringify(error);
  }
  return String(error ?? 'no response');
}

function parseModel(model: string | null | undefined): { providerID: string; modelID: string } | null {
  if (!model) return null;
  const slash = model.indexOf('/');
  if (slash <= 0 || slash === model.length - 1)
    throw new PhaseFailedError(`a model is written "provider/model", got "${model}"`, null);
  return { providerID: model.slice(0, slash), modelID: model.slice(slash + 1) };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
