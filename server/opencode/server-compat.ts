/**
 * Which OpenCode servers the studio can drive, checked once per server at connect: its version
 * (`GET /global/health`) and the routes the studio calls (the server's own OpenAPI document,
 * `GET /doc`). An unknown server is refused with what was found and what is supported, instead
 * of failing later, mid-phase, with an error about some route. docs/opencode-2.md says what
 * changes with OpenCode 2.x.
 */
import { PreconditionError } from '../errors.js';

/** The versions the studio is built and tested against: the 1.x server from 1.18 on. */
export const SUPPORTED_OPENCODE = { from: [1, 18, 0], below: [2, 0, 0], text: '>=1.18.0 <2.0.0' } as const;

/** Every route the studio calls (server/opencode/*), as OpenCode's document names them. */
export const REQUIRED_ROUTES: ReadonlyArray<readonly [method: string, path: string]> = [
  ['get', '/global/health'],
  ['get', '/global/event'],
  ['get', '/config/providers'],
  ['get', '/path'],
  ['post', '/mcp'],
  ['post', '/session'],
  ['get', '/session/status'],
  ['post', '/session/{sessionID}/prompt_async'],
  ['post', '/session/{sessionID}/abort'],
  ['get', '/session/{sessionID}/message'],
  ['get', '/permission'],
  ['post', '/permission/{requestID}/reply'],
  ['get', '/question'],
  ['post', '/question/{requestID}/reply'],
  ['post', '/question/{requestID}/reject'],
];

const FIX = `use OpenCode ${SUPPORTED_OPENCODE.text} (npm i -g opencode-ai@1), or start the studio without --opencode-url to use the OpenCode it ships with`;

/** Thrown when the server answers but is not one the studio can drive; a network failure is not this. */
export class UnsupportedOpencodeError extends PreconditionError {
  override name = 'UnsupportedOpencodeError';
  constructor(message: string) {
    super(message, 'opencode-unsupported');
  }
}

export function parseVersion(text: string): [number, number, number] | null {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(text.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
}

function compare(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
}

export function isSupportedVersion(version: string): boolean {
  const v = parseVersion(version);
  return v !== null && compare(v, SUPPORTED_OPENCODE.from) >= 0 && compare(v, SUPPORTED_OPENCODE.below) < 0;
}

/** The routes of `REQUIRED_ROUTES` that a server's OpenAPI document lacks, as "POST /path". */
export function missingRoutes(doc: unknown): string[] {
  const paths = (doc as { paths?: Record<string, Record<string, unknown>> } | null)?.paths ?? {};
  return REQUIRED_ROUTES.filter(([method, route]) => !paths[route]?.[method]).map(([m, r]) => `${m.toUpperCase()} ${r}`);
}

/**
 * The server's version once it is known to be one the studio supports; an
 * `UnsupportedOpencodeError` naming what was found otherwise. Network errors pass through.
 */
export async function checkOpencodeServer(url: string, authHeader: string | null, timeoutMs = 15_000): Promise<string> {
  const get = (route: string) =>
    fetch(`${url}${route}`, {
      headers: authHeader ? { authorization: authHeader } : {},
      signal: AbortSignal.timeout(timeoutMs),
    });
  const health = await get('/global/health');
  if (health.status === 404)
    throw new UnsupportedOpencodeError(
      `the server at ${url} has no /global/health route, so it is not an OpenCode 1.x server (OpenCode 2.x moves its routes under /api/*); the studio supports OpenCode ${SUPPORTED_OPENCODE.text}: ${FIX}`,
    );
  if (!health.ok)
    throw new UnsupportedOpencodeError(
      `the server at ${url} answered ${health.status} to GET /global/health; is it OpenCode? The studio supports OpenCode ${SUPPORTED_OPENCODE.text}`,
    );
  const body = (await health.json().catch(() => null)) as { version?: unknown } | null;
  const version = typeof body?.version === 'string' ? body.version : null;
  if (!version)
    throw new UnsupportedOpencodeError(
      `the server at ${url} does not say which OpenCode version it is; the studio supports OpenCode ${SUPPORTED_OPENCODE.text}: ${FIX}`,
    );
  if (!isSupportedVersion(version))
    throw new UnsupportedOpencodeError(
      `OpenCode ${version} at ${url} is not supported; the studio supports OpenCode ${SUPPORTED_OPENCODE.text}: ${FIX}`,
    );
  const doc = await get('/doc');
  const missing = doc.ok ? missingRoutes(await doc.json().catch(() => null)) : ['GET /doc'];
  if (missing.length > 0)
    throw new UnsupportedOpencodeError(
      `OpenCode ${version} at ${url} lacks routes the studio needs (${missing.join(', ')}); the studio supports OpenCode ${SUPPORTED_OPENCODE.text}: ${FIX}`,
    );
  return version;
}
