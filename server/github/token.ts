import { execFile } from 'node:child_process';

export type TokenSource = 'GH_TOKEN' | 'GITHUB_TOKEN' | 'gh' | 'none';
export interface FoundToken {
  token: string | null;
  from: TokenSource;
}

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * The user's GitHub token: GH_TOKEN, then GITHUB_TOKEN, then `gh auth token` when the gh CLI is
 * installed and logged in. It is kept in memory only: never written to a file, never logged.
 */
export async function findToken(env: Env, host: string): Promise<FoundToken> {
  for (const name of ['GH_TOKEN', 'GITHUB_TOKEN'] as const) {
    const value = env[name]?.trim();
    if (value) return { token: value, from: name };
  }
  const fromGh = await ghAuthToken(env, host);
  return fromGh ? { token: fromGh, from: 'gh' } : { token: null, from: 'none' };
}

function ghAuthToken(env: Env, host: string): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(
      'gh',
      ['auth', 'token', '--hostname', host],
      { env: { ...env } as NodeJS.ProcessEnv, timeout: 5_000, windowsHide: true },
      // No gh, not logged in, or a timeout: there is simply no token from gh.
      (err, stdout) => resolve(err ? null : stdout.trim() || null),
    );
  });
}
