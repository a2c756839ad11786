/** Where a git remote URL points: its host and the `owner/name` path, or null for a local path or an odd URL. */
export interface RemoteRepo {
  host: string;
  owner: string;
  name: string;
}

const SCP_LIKE = /^(?:[^@/\s]+@)?([^:/\s]+):(?!\/)([^/\s]+)\/([^/\s]+?)(?:\.git)?\/?$/;

/** Reads https, ssh (`ssh://git@host[:port]/owner/name.git`) and scp-like (`git@host:owner/name.git`) remotes. */
export function parseRemoteUrl(url: string): RemoteRepo | null {
  const text = url.trim();
  const scp = SCP_LIKE.exec(text);
  if (scp && !text.includes('://')) return { host: scp[1]!.toLowerCase(), owner: scp[2]!, name: scp[3]! };
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    return null;
  }
  if (!['https:', 'http:', 'ssh:', 'git:'].includes(parsed.protocol) || !parsed.hostname) return null;
  const parts = parsed.pathname.split('/').filter(Boolean);
  if (parts.length !== 2) return null;
  const name = parts[1]!.replace(/\.git$/, '');
  if (!name) return null;
  return { host: parsed.hostname.toLowerCase(), owner: decodeURIComponent(parts[0]!), name: decodeURIComponent(name) };
}

/** The API base GitHub serves for a web host: api.github.com for github.com, `/api/v3` on an Enterprise server. */
export function apiBaseForHost(host: string): string {
  return host === 'github.com' ? 'https://api.github.com' : `https://${host}/api/v3`;
}

/** The web host an API base belongs to (api.github.com belongs to github.com). */
export function webHostOfApi(apiUrl: string): string | null {
  try {
    const host = new URL(apiUrl).hostname.toLowerCase();
    return host === 'api.github.com' ? 'github.com' : host;
  } catch {
    return null;
  }
}
