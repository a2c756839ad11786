import http from 'node:http';
import net from 'node:net';

export interface HttpResult {
  status: number;
  body: Buffer;
  /** Request sent to last byte of the body received. */
  ms: number;
}

/**
 * A lean keep-alive HTTP client: one agent per simulated client, the body read in full. Used
 * instead of fetch so that the client's own overhead stays small next to the server's.
 */
export class HttpClient {
  private readonly agent: http.Agent;
  constructor(
    private readonly base: string,
    private readonly headers: Record<string, string> = {},
    maxSockets = 1,
  ) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets });
  }

  request(method: string, path: string, body?: unknown, timeoutMs = 30_000): Promise<HttpResult> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const started = performance.now();
      const req = http.request(
        `${this.base}${path}`,
        {
          method,
          agent: this.agent,
          headers: {
            ...this.headers,
            ...(payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}),
          },
          timeout: timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), ms: performance.now() - started }),
          );
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out after ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  get(path: string): Promise<HttpResult> {
    return this.request('GET', path);
  }

  /** GET and insist on 200. */
  async ok(path: string): Promise<HttpResult> {
    const res = await this.get(path);
    if (res.status !== 200) throw new Error(`GET ${path}: HTTP ${res.status}: ${res.body.toString().slice(0, 300)}`);
    return res;
  }

  close(): void {
    this.agent.destroy();
  }
}

/** A client for the studio with its bearer token. */
export function studioHttp(url: string, token: string, maxSockets = 1): HttpClient {
  return new HttpClient(url, { authorization: `Bearer ${token}` }, maxSockets);
}

/** `/trpc/<path>?input=...` for a non-batched tRPC query. */
export function trpcQueryPath(procedure: string, input?: unknown): string {
  return input === undefined ? `/trpc/${procedure}` : `/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(input))}`;
}

/** A loopback port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
