import type { ErrorReason } from '../../shared/errors.js';
import { PhaseFailedError } from './phase-errors.js';

/**
 * What went wrong with the model (not with OpenCode): the one place where OpenCode's and the
 * providers' error shapes and sentences become a reason code and a message that says what to do.
 * New kinds (a stalled stream, a cut connection) get a reason in shared/errors.ts and a rule here.
 */
export type ModelReason = Extract<
  ErrorReason,
  'no-model' | 'model-unreachable' | 'model-unauthorized' | 'model-rate-limited' | 'model-error' | 'model-stream-cut'
>;

export type ModelFailure = {
  reason: ModelReason;
  message: string;
  /** When the provider said to try again (rate limits), as an ISO date; null when it did not say. */
  retryAt: string | null;
};

/** A phase that failed because of the model; `retryAt` for rate limits. */
export class ModelFailedError extends PhaseFailedError {
  override name = 'ModelFailedError';
  readonly reason: ModelReason;
  readonly retryAt: string | null;
  constructor(failure: ModelFailure, sessionId: string | null) {
    super(failure.message, sessionId);
    this.reason = failure.reason;
    this.retryAt = failure.retryAt;
  }
}

/** Reasons a retry cannot cure: the run fails at once instead of OpenCode retrying for a minute. */
const FINAL: ReadonlySet<ModelReason> = new Set(['no-model', 'model-unauthorized', 'model-unreachable']);

export function isFinal(reason: ModelReason): boolean {
  return FINAL.has(reason);
}

/** OpenCode's error object on a message or in `session.error`: `{ name, data }`. */
export type OpencodeError = { name?: string; data?: unknown } | null | undefined;

/**
 * A connection dropped while the answer streamed. OpenCode 1.18 retries it (5 more tries, about
 * a minute) and words it "Cannot connect to API: The socket connection was closed unexpectedly"
 * or "Connection reset by server" (seen with a scripted model destroying the socket mid-stream),
 * so this is checked before UNREACHABLE, which it would also match.
 */
const STREAM_CUT = /socket connection was closed unexpectedly|connection reset|econnreset|premature close|other side closed/i;
const UNREACHABLE = /cannot connect to api|unable to connect|econnrefused|enotfound|eai_again|getaddrinfo|fetch failed|network/i;
const RATE_LIMITED = /rate.?limit|too many requests|\b429\b|quota/i;
const UNAUTHORIZED = /api key|unauthori[sz]ed|authentication|\b401\b|\b403\b|forbidden/i;
const NO_MODEL = /model not found|no model|unknown model|providermodelnotfound/i;

/** A model's failure from OpenCode's error, or null when the error is not about the model. */
export function classifyModelError(error: OpencodeError, model: string | null, now = Date.now()): ModelFailure | null {
  if (!error?.name) return null;
  const data = (error.data ?? {}) as Record<string, unknown>;
  const text = typeof data.message === 'string' ? data.message : '';
  if (error.name === 'ProviderAuthError') return failure('model-unauthorized', model, text);
  if (/ModelNotFound/.test(error.name) || (error.name === 'UnknownError' && NO_MODEL.test(text)))
    return failure('no-model', model, text);
  if (error.name !== 'APIError') return null;
  const status = typeof data.statusCode === 'number' ? data.statusCode : null;
  if (status === 401 || status === 403) return failure('model-unauthorized', model, text);
  if (status === 429 || (status === null && RATE_LIMITED.test(text)))
    return failure('model-rate-limited', model, text, retryAfter(data.responseHeaders, now));
  if (status === 404 && NO_MODEL.test(text)) return failure('no-model', model, text);
  if (status === null && STREAM_CUT.test(text)) return failure('model-stream-cut', model, text);
  if (status === null && UNREACHABLE.test(text)) return failure('model-unreachable', model, text);
  return failure('model-error', model, status ? `HTTP ${status}: ${text}` : text);
}

/** OpenCode retrying a model call (`session.status` retry): what it is about, from its message. */
export function classifyRetry(retry: { message: string; next?: number }, model: string | null): ModelFailure {
  const { message } = retry;
  if (STREAM_CUT.test(message)) return failure('model-stream-cut', model, message);
  if (UNREACHABLE.test(message)) return failure('model-unreachable', model, message);
  if (UNAUTHORIZED.test(message)) return failure('model-unauthorized', model, message);
  if (RATE_LIMITED.test(message))
    return failure('model-rate-limited', model, message, retry.next ? new Date(retry.next).toISOString() : null);
  return failure('model-error', model, message);
}

/** The failure with the message a person reads: what happened, then what to do. */
export function failure(reason: ModelReason, model: string | null, detail: string, retryAt: string | null = null): ModelFailure {
  const which = model ? ` (${model})` : '';
  const said = detail ? `: ${detail.split('\n')[0]!.slice(0, 300)}` : '';
  const message = {
    'no-model': `OpenCode has no model to use${which}${said}. Connect a provider with "opencode auth login", or choose a model in Settings → models.`,
    'model-unreachable': `The model's API cannot be reached${which}${said}. Check the network and the provider's baseURL in opencode.json, or choose another model in Settings → models ("opencode auth login" connects a provider).`,
    'model-unauthorized': `The model's API refused the credentials${which}${said}. Run "opencode auth login" for that provider (or fix its apiKey in opencode.json), then retry.`,
    'model-rate-limited': `The model's API is rate limiting${which}${said}. ${retryAt ? `Retry after ${clock(retryAt)}.` : 'Wait a minute, then retry.'}`,
    'model-error': `The model's API answered with an error${which}${said}. Retry, or choose another model in Settings → models.`,
    'model-stream-cut': `The model's answer stopped mid-stream${which}${said}; OpenCode's own retries gave up. Retry once the provider answers again, or choose another model in Settings → models.`,
  }[reason];
  return { reason, message, retryAt };
}

/** `Retry-After` in seconds or as an HTTP date, or `retry-after-ms`. */
function retryAfter(headers: unknown, now: number): string | null {
  if (!headers || typeof headers !== 'object') return null;
  const h = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
  const ms = Number(h['retry-after-ms']);
  if (h['retry-after-ms'] && Number.isFinite(ms)) return new Date(now + ms).toISOString();
  const value = h['retry-after'];
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return new Date(now + seconds * 1000).toISOString();
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : new Date(date).toISOString();
}

function clock(iso: string): string {
  return `${iso.slice(11, 19)} UTC`;
}
