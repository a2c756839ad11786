import type { ErrorReason } from '../../shared/errors.js';
import { PreconditionError } from '../errors.js';

/** A GitHub step that cannot go on; the reason says which case, the message what to do. */
export class GithubError extends PreconditionError {
  override name = 'GithubError';
  constructor(message: string, reason: ErrorReason) {
    super(message, reason);
  }
}

type HttpFailure = {
  status?: number;
  message?: string;
  response?: { headers?: Record<string, string | number | undefined>; data?: unknown };
};

/** What GitHub said in its error body: the message and each validation error's text. */
function githubWords(data: unknown): string {
  if (!data || typeof data !== 'object') return '';
  const body = data as { message?: unknown; errors?: unknown };
  const parts = typeof body.message === 'string' ? [body.message] : [];
  if (Array.isArray(body.errors))
    for (const e of body.errors) {
      const item = e as { message?: unknown; field?: unknown; code?: unknown } | string;
      if (typeof item === 'string') parts.push(item);
      else if (typeof item?.message === 'string') parts.push(item.message);
      else if (typeof item?.field === 'string') parts.push(`${item.field}: ${String(item.code ?? 'invalid')}`);
    }
  return parts.join('; ');
}

/** The time a rate limit resets, from GitHub's `x-ratelimit-reset` (epoch seconds) or `retry-after`. */
function resetTime(headers: Record<string, string | number | undefined>): string | null {
  const reset = Number(headers['x-ratelimit-reset']);
  if (Number.isFinite(reset) && reset > 0) return new Date(reset * 1000).toISOString();
  const after = Number(headers['retry-after']);
  if (Number.isFinite(after) && after >= 0) return new Date(Date.now() + after * 1000).toISOString();
  return null;
}

/** One octokit failure (or a fetch that never got an answer) as a GithubError; `doing` names the step, e.g. "open the pull request". */
export function githubFailure(err: unknown, doing: string, repo: string): GithubError {
  if (err instanceof GithubError) return err;
  const failure = (err ?? {}) as HttpFailure;
  const status = failure.status;
  const headers = failure.response?.headers ?? {};
  const words = githubWords(failure.response?.data) || failure.message || String(err);
  if (status === undefined || !failure.response)
    return new GithubError(
      `cannot ${doing}: GitHub cannot be reached (${failure.message ?? String(err)}); check the network, or github.apiUrl / GITHUB_API_URL`,
      'github-unreachable',
    );
  if (status === 401)
    return new GithubError(
      `cannot ${doing}: GitHub refused the token (401 ${words}); make a new token and set GH_TOKEN, or run \`gh auth login\``,
      'github-unauthorized',
    );
  if (status === 429 || (status === 403 && (String(headers['x-ratelimit-remaining']) === '0' || /rate limit/i.test(words)))) {
    const reset = resetTime(headers);
    return new GithubError(
      `cannot ${doing}: GitHub's rate limit is used up${reset ? `; it resets at ${reset}` : ''}; try again after that`,
      'github-rate-limited',
    );
  }
  if (status === 403)
    return new GithubError(
      `cannot ${doing}: GitHub refused it (403 ${words}); the token needs write access to contents and pull requests of ${repo}`,
      'github-forbidden',
    );
  if (status === 404)
    return new GithubError(
      `cannot ${doing}: GitHub has no repository ${repo} that this token can see (404); check github.repo and the token's repository access`,
      'github-not-found',
    );
  if (status === 422) return new GithubError(`cannot ${doing}: GitHub refused it (422: ${words})`, 'github-unprocessable');
  return new GithubError(
    `cannot ${doing}: GitHub answered ${status} (${words}); try again later`,
    status >= 500 ? 'github-unreachable' : 'github-unprocessable',
  );
}
