import type { Config } from '../../shared/config.js';
import type { GithubLinkInfo } from '../../shared/github.js';
import { errorMessage } from '../errors.js';
import type { Repo } from '../git/repo.js';
import { GithubError } from './github-error.js';
import { parseRemoteUrl, webHostOfApi } from './remote-url.js';
import { type Env, findToken } from './token.js';

export const DEFAULT_API_URL = 'https://api.github.com';

/** A committed setting that sends the token somewhere needs the user's trust (see the trust records). */
export type TrustCheck = (setting: 'github.apiUrl', value: string) => Promise<boolean>;

/** The repository on GitHub that the studio works with, and how it reaches it. */
export interface ForgeLink {
  owner: string;
  name: string;
  /** `owner/name` */
  repo: string;
  remote: string;
  apiUrl: string;
  token: string;
}

/** The link when it is usable, else the reason it is not; `info` is what project.info shows either way. */
export type LinkResult = { link: ForgeLink | null; problem: GithubError | null; info: GithubLinkInfo };

async function remoteUrl(repo: Repo, remote: string): Promise<string | null> {
  try {
    return (await repo.git.raw(['remote', 'get-url', remote])).trim() || null;
  } catch {
    return null;
  }
}

async function apiBase(
  config: Config,
  env: Env,
  trusted: TrustCheck,
): Promise<{ url: string; from: GithubLinkInfo['apiUrlFrom']; note: string | null }> {
  const configured = config.github.apiUrl;
  const fromEnv = env.GITHUB_API_URL?.trim();
  if (configured && (await trusted('github.apiUrl', configured)))
    return { url: configured.replace(/\/+$/, ''), from: 'config', note: null };
  const note = configured
    ? `github.apiUrl (${configured}) in config.json is not trusted yet, so the token is not sent there; trust it in the settings, or set GITHUB_API_URL`
    : null;
  if (fromEnv) return { url: fromEnv.replace(/\/+$/, ''), from: 'env', note };
  return { url: DEFAULT_API_URL, from: 'default', note };
}

/**
 * Works out the forge link from the config, the remote's URL and the environment. The remote names
 * the repository when its host is github.com or the host of the API base (GitHub Enterprise);
 * `github.repo` names it whatever the remote is (a mirror, or a test's bare repository).
 */
export async function resolveLink(repo: Repo, config: Config, env: Env, trusted: TrustCheck): Promise<LinkResult> {
  const remote = config.remote;
  const api = await apiBase(config, env, trusted);
  const url = await remoteUrl(repo, remote);
  const parsed = url ? parseRemoteUrl(url) : null;
  const apiHost = webHostOfApi(api.url);
  let problem: GithubError | null = null;
  let owner: string | null = null;
  let name: string | null = null;
  if (!url)
    problem = new GithubError(
      `the repository has no git remote "${remote}"; add it with \`git remote add ${remote} https://github.com/OWNER/NAME.git\`, or set config remote to the one to push to`,
      'github-not-linked',
    );
  else if (config.github.repo) [owner, name] = config.github.repo.split('/') as [string, string];
  else if (parsed && (parsed.host === 'github.com' || parsed.host === apiHost)) ({ owner, name } = parsed);
  else
    problem = new GithubError(
      `the remote "${remote}" (${url}) is not on GitHub; for GitHub Enterprise set GITHUB_API_URL (or github.apiUrl) to https://HOST/api/v3, or name the repository with github.repo`,
      'github-not-linked',
    );
  const found = await findToken(env, apiHost ?? 'github.com').catch((err: unknown) => {
    console.error('looking for a GitHub token failed:', errorMessage(err));
    return { token: null, from: 'none' as const };
  });
  if (!problem && !found.token)
    problem = new GithubError(
      'no GitHub token: set GH_TOKEN (or GITHUB_TOKEN) to a token with contents and pull requests write access, or log in with `gh auth login`; then restart the studio',
      'github-no-token',
    );
  const info: GithubLinkInfo = {
    repo: owner && name ? `${owner}/${name}` : null,
    remote,
    apiUrl: api.url,
    apiUrlFrom: api.from,
    tokenFound: found.token !== null,
    tokenFrom: found.from,
    landing: config.landing,
    error: problem?.message ?? api.note,
  };
  const link =
    !problem && owner && name && found.token
      ? { owner, name, repo: `${owner}/${name}`, remote, apiUrl: api.url, token: found.token }
      : null;
  return { link, problem, info };
}
