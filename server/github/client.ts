import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import type { Repo } from '../git/repo.js';
import type { StudioStore } from '../store/studio-store.js';
import { STUDIO_VERSION } from '../version.js';
import type { ForgeLink } from './link.js';

const StudioOctokit = Octokit.plugin(retry, throttling);
/** The plugins add no methods the studio calls, so the client is typed as the plain REST client. */
export type GithubClient = Octokit;

export interface ClientOptions {
  /** Retries of a failed request (network, 5xx); tests that make a fault set 0. */
  retries: number;
  /**
   * GitHub's pacing: a second between writes (POST, PATCH, …) of the whole process, and one wait
   * on a secondary rate limit (Octokit's throttling plugin). Only tests against a stand-in that
   * has no limits turn it off.
   */
  pace: boolean;
}

type Cached = { etag: string; response: unknown };

/**
 * Octokit for one link, with retries and GitHub's rate-limit rules. GETs are conditional: the
 * last ETag goes in If-None-Match and a 304 (free against the rate limit) answers the cached body.
 */
export function createClient(link: ForgeLink, options: ClientOptions): GithubClient {
  const octokit: GithubClient = new StudioOctokit({
    auth: link.token,
    baseUrl: link.apiUrl,
    userAgent: `opencode-studio/${STUDIO_VERSION}`,
    // Octokit's own log would print request warnings; the studio reports failures itself.
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
    retry: { retries: options.retries },
    throttle: {
      enabled: options.pace,
      // The primary limit fails at once with its reset time; a secondary limit waits once.
      onRateLimit: () => false,
      onSecondaryRateLimit: (_after: number, _options: unknown, _octokit: unknown, retryCount: number) => retryCount < 1,
    },
  });
  const cache = new Map<string, Cached>();
  octokit.hook.wrap('request', async (request, opts) => {
    if (opts.method !== 'GET') return request(opts);
    const key = octokit.request.endpoint(opts).url;
    const cached = cache.get(key);
    if (cached) opts.headers = { ...opts.headers, 'if-none-match': cached.etag };
    try {
      const response = await request(opts);
      const etag = response.headers.etag;
      if (etag) cache.set(key, { etag, response });
      return response;
    } catch (err) {
      if (cached && (err as { status?: number }).status === 304) return cached.response as Awaited<ReturnType<typeof request>>;
      throw err;
    }
  });
  return octokit;
}

/** A usable link with its client, made once per link and kept while the config and the environment stay. */
export interface GithubSession {
  link: ForgeLink;
  client: GithubClient;
}

/** What the pull-request and issue steps need of the GitHub service: the files, the repo, and a session. */
export interface GithubAccess {
  readonly store: StudioStore;
  readonly repo: Repo;
  connect(): Promise<GithubSession>;
}
