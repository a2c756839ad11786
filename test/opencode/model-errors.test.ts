import { describe, expect, it } from 'vitest';
import { classifyModelError, classifyRetry, isFinal } from '../../server/opencode/model-errors.js';

const NOW = Date.parse('2026-12-06T10:00:00Z');
const apiError = (data: Record<string, unknown>) => ({ name: 'APIError', data: { isRetryable: false, ...data } });

describe('model errors: OpenCode error to reason and fix', () => {
  it('a refused key is model-unauthorized, names `opencode auth login`, and is not retried', () => {
    const f = classifyModelError(apiError({ message: 'Incorrect API key provided', statusCode: 401 }), 'acme/big', NOW)!;
    expect(f.reason).toBe('model-unauthorized');
    expect(f.message).toContain('opencode auth login');
    expect(f.message).toContain('acme/big');
    expect(isFinal(f.reason)).toBe(true);
    expect(classifyModelError({ name: 'ProviderAuthError', data: { providerID: 'x', message: 'no key' } }, null)?.reason).toBe(
      'model-unauthorized',
    );
  });

  it('a rate limit says when to retry, from Retry-After (seconds, date or ms), and is left to OpenCode’s retries', () => {
    const secs = classifyModelError(
      apiError({ message: 'slow down', statusCode: 429, responseHeaders: { 'Retry-After': '30' } }),
      null,
      NOW,
    )!;
    expect(secs).toMatchObject({ reason: 'model-rate-limited', retryAt: '2026-12-06T10:00:30.000Z' });
    expect(secs.message).toContain('Retry after 10:00:30 UTC');
    const date = classifyModelError(
      apiError({ statusCode: 429, message: 'x', responseHeaders: { 'retry-after': 'Sun, 06 Dec 2026 10:05:00 GMT' } }),
      null,
      NOW,
    )!;
    expect(date.retryAt).toBe('2026-12-06T10:05:00.000Z');
    const ms = classifyModelError(
      apiError({ statusCode: 429, message: 'x', responseHeaders: { 'retry-after-ms': '1500' } }),
      null,
      NOW,
    )!;
    expect(ms.retryAt).toBe('2026-12-06T10:00:01.500Z');
    const unsaid = classifyModelError(apiError({ statusCode: 429, message: 'x' }), null, NOW)!;
    expect(unsaid.retryAt).toBeNull();
    expect(unsaid.message).toContain('Wait a minute');
    expect(isFinal('model-rate-limited')).toBe(false);
    const retry = classifyRetry({ message: 'Rate limit reached', next: NOW + 5_000 }, null);
    expect(retry).toMatchObject({ reason: 'model-rate-limited', retryAt: '2026-12-06T10:00:05.000Z' });
  });

  it('OpenCode retrying an API it cannot connect to is model-unreachable, with the network and baseURL to check', () => {
    for (const message of [
      'Cannot connect to API: Was there a typo in the url or port?',
      'Cannot connect to API: Unable to connect. Is the computer able to access the url?',
    ]) {
      const f = classifyRetry({ message, next: NOW }, 'opencode/big-pickle');
      expect(f.reason).toBe('model-unreachable');
      expect(f.message).toMatch(/network/);
      expect(f.message).toMatch(/baseURL/);
      expect(isFinal(f.reason)).toBe(true);
    }
    expect(classifyModelError(apiError({ message: 'Cannot connect to API: fetch failed' }), null)?.reason).toBe(
      'model-unreachable',
    );
  });

  it('a stream cut mid-answer is model-stream-cut, left to OpenCode’s retries, not taken for an unreachable API', () => {
    // What OpenCode 1.18 said when the scripted model destroyed the socket after a few chunks (retries, then the final error).
    const closed =
      'Cannot connect to API: The socket connection was closed unexpectedly. For more information, pass `verbose: true` in the second argument to fetch()';
    expect(classifyRetry({ message: closed, next: NOW + 2_000 }, null).reason).toBe('model-stream-cut');
    expect(classifyRetry({ message: 'Connection reset by server' }, null).reason).toBe('model-stream-cut');
    expect(isFinal('model-stream-cut')).toBe(false);
    const gaveUp = classifyModelError({ name: 'APIError', data: { message: closed, isRetryable: true } }, 'scripted/scripted')!;
    expect(gaveUp.reason).toBe('model-stream-cut');
    expect(gaveUp.message).toContain('stopped mid-stream (scripted/scripted)');
    expect(classifyRetry({ message: 'Unable to connect. Is the computer able to access the url?' }, null).reason).toBe(
      'model-unreachable',
    );
  });

  it('a model that does not exist is no-model; other API answers are model-error quoting them; other errors are not the model’s', () => {
    expect(classifyModelError(apiError({ statusCode: 404, message: 'Model not found: gpt-9' }), null)?.reason).toBe('no-model');
    expect(
      classifyModelError({ name: 'ProviderModelNotFoundError', data: { providerID: 'a', modelID: 'b' } }, null)?.reason,
    ).toBe('no-model');
    const other = classifyModelError(apiError({ statusCode: 400, message: 'context too long' }), 'a/b')!;
    expect(other.reason).toBe('model-error');
    expect(other.message).toContain('HTTP 400: context too long');
    expect(isFinal(other.reason)).toBe(false);
    expect(classifyModelError({ name: 'MessageAbortedError', data: { message: 'aborted' } }, null)).toBeNull();
    expect(classifyModelError(undefined, null)).toBeNull();
    expect(classifyRetry({ message: 'Overloaded' }, null).reason).toBe('model-error');
  });
});
