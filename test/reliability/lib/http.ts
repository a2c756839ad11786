import http from 'node:http';
import net from 'node:net';

export interface RawResponse {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

export interface RawRequest {
  path: string;
  method?: string;
  /** Sent exactly as given (Host included); `host: null` sends no Host header at all. */
  headers?: Record<string, string | null>;
  body?: string | Buffer;
  timeoutMs?: number;
  /** Default: a new connection per request. */
  agent?: http.Agent | false;
  /** Resolve as soon as the status line arrives, then drop the connection (for endless streams). */
  headersOnly?: boolean;
}

/**
 * A request with full control over the headers (Host, Origin, odd casing). Rejects only when
 * no response arrives at all; a server that answers early and then resets the connection (413
 * before the body was read) still counts as its answer.
 */
export function rawRequest(base: string, options: RawRequest): Promise<RawResponse> {
  const u = new URL(base);
  const headers: Record<string, string> = {};
  let omitHost = false;
  for (const [k, v] of Object.entries(options.headers ?? {})) {
    if (v === null) {
      if (k.toLowerCase() === 'host') omitHost = true;
    } else headers[k] = v;
  }
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        path: options.path,
        method: options.method ?? 'GET',
        headers,
        setHost: !omitHost && !Object.keys(headers).some((k) => k.toLowerCase() === 'host'),
        agent: options.agent ?? false,
      },
      (res) => {
        answered = true;
        if (options.headersOnly) {
          resolve({ status: res.statusCode ?? 0, body: '', headers: res.headers });
          req.destroy();
          return;
        }
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        const done = () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers });
        res.on('end', done);
        res.on('error', done);
        res.on('aborted', done);
      },
    );
    req.setTimeout(options.timeoutMs ?? 30_000, () => req.destroy(new Error(`no answer to ${options.path} in time`)));
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    req.end(options.body);
  });
}

/** An HTTP/1.1 request written byte by byte on a socket: for headers Node's client will not send (no Host, duplicates). */
export function socketRequest(
  base: string,
  lines: string[],
  body = '',
  timeoutMs = 10_000,
): Promise<{ status: number; text: string }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(u.port), u.hostname);
    let text = '';
    const timer = setTimeout(() => socket.destroy(new Error('no answer in time')), timeoutMs);
    socket.on('connect', () => socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`));
    socket.on('data', (c) => (text += c.toString('utf8')));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0), text });
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      if (text) resolve({ status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0), text });
      else reject(err);
    });
  });
}

export class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`HTTP ${status}: ${body.slice(0, 300)}`);
  }
}

export interface StudioAddress {
  url: string;
  token: string;
}

/** One non-batched tRPC call over HTTP, as any script could make it. Throws HttpStatusError on a non-200 answer. */
export async function trpc<T = unknown>(
  studio: StudioAddress,
  procedure: string,
  input?: unknown,
  kind: 'query' | 'mutation' = 'mutation',
  timeoutMs = 15_000,
): Promise<T> {
  const headers: Record<string, string> = { authorization: `Bearer ${studio.token}` };
  let url = `${studio.url}/trpc/${procedure}`;
  let body: string | undefined;
  if (kind === 'query') {
    if (input !== undefined) url += `?input=${encodeURIComponent(JSON.stringify(input))}`;
  } else {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(input ?? {});
  }
  const res = await fetch(url, {
    method: kind === 'query' ? 'GET' : 'POST',
    headers,
    body,
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  if (res.status !== 200) throw new HttpStatusError(res.status, text);
  return (JSON.parse(text) as { result: { data: T } }).result.data;
}
