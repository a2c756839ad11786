import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Principal } from '../lib/principal.js';
import type { AgentCredentials } from '../orchestrator/agent-credentials.js';

/**
 * The three checks every request passes. Host stops DNS rebinding (a hostile page whose name
 * resolves to 127.0.0.1), Origin stops cross-site requests and WebSockets, the token stops
 * every other local program or page that did not get it from the CLI.
 */
export class Guard {
  private allowedHosts = new Set<string>();
  private allowedOrigins = new Set<string>();

  constructor(
    readonly token: string,
    private readonly bindHost: string,
    private readonly agents: AgentCredentials | null = null,
  ) {}

  /** Call once the port is known. */
  listening(port: number): void {
    const names = new Set([
      '127.0.0.1',
      'localhost',
      '[::1]',
      this.bindHost.includes(':') ? `[${this.bindHost}]` : this.bindHost,
    ]);
    this.allowedHosts = new Set([...names].map((n) => `${n}:${port}`));
    this.allowedOrigins = new Set([...this.allowedHosts].map((h) => `http://${h}`));
  }

  /** null when fine, else why the request is refused (403). */
  checkHostAndOrigin(req: IncomingMessage): string | null {
    const host = req.headers.host?.toLowerCase();
    if (!host || !this.allowedHosts.has(host)) return `Host "${host ?? ''}" is not this studio (DNS rebinding protection)`;
    const origin = req.headers.origin;
    if (origin !== undefined && !this.allowedOrigins.has(origin.toLowerCase()))
      return `Origin "${origin}" may not call this studio`;
    if (req.headers['sec-fetch-site'] === 'cross-site') return 'cross-site requests are refused';
    return null;
  }

  bearerOk(req: IncomingMessage): boolean {
    return this.principalOf(req) !== null;
  }

  /** Who the request's bearer token proves: the person, an agent bound to its task, or nobody (null). */
  principalOf(req: IncomingMessage, connectionToken?: unknown): Principal | null {
    const header = req.headers.authorization;
    // The scheme is case-insensitive (RFC 9110 §11.1).
    const bearer = typeof header === 'string' ? /^bearer +(\S+) *$/i.exec(header)?.[1] : undefined;
    return this.principalOfToken(bearer) ?? this.principalOfToken(connectionToken);
  }

  principalOfToken(candidate: unknown): Principal | null {
    if (typeof candidate !== 'string') return null;
    if (this.tokenOk(candidate)) return { kind: 'person' };
    const taskId = this.agents?.taskOf(candidate) ?? null;
    return taskId === null ? null : { kind: 'agent', taskId };
  }

  tokenOk(candidate: unknown): boolean {
    if (typeof candidate !== 'string') return false;
    const a = Buffer.from(candidate);
    const b = Buffer.from(this.token);
    return a.length === b.length && timingSafeEqual(a, b);
  }
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
