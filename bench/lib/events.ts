import WebSocket from 'ws';
import type { StudioEvent } from '../../shared/events.js';

export interface Delivered {
  event: StudioEvent;
  /** Date.now()-based receive time with sub-millisecond precision. */
  receivedAt: number;
}

export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * A bare subscriber to `events.onEvent` that speaks the tRPC WebSocket protocol itself: one
 * socket, the bearer token in the upgrade request, one subscription. Much lighter than a full
 * tRPC client, so that 50 of them in one process measure the server rather than themselves.
 */
export class RawSubscriber {
  private socket: WebSocket | null = null;
  private listeners = new Set<(d: Delivered) => void>();
  private startedResolve: (() => void) | null = null;
  readonly errors: string[] = [];

  constructor(
    private readonly url: string,
    private readonly token: string,
  ) {}

  on(listener: (d: Delivered) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves once the server has started the subscription (its `started` reply). */
  open(timeoutMs = 10_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(`${this.url.replace(/^http/, 'ws')}/trpc`, {
        headers: { authorization: `Bearer ${this.token}` },
        perMessageDeflate: false,
      });
      this.socket = socket;
      const timer = setTimeout(() => reject(new Error('subscription did not start in time')), timeoutMs);
      this.startedResolve = () => {
        clearTimeout(timer);
        resolve();
      };
      socket.on('open', () => {
        socket.send(JSON.stringify({ id: 1, method: 'subscription', params: { path: 'events.onEvent', input: {} } }));
      });
      socket.on('message', (data: Buffer) => this.handle(data));
      socket.on('error', (err) => {
        this.errors.push(err.message);
        clearTimeout(timer);
        reject(err);
      });
      socket.on('close', (code) => {
        if (code !== 1000 && code !== 1005) this.errors.push(`closed with ${code}`);
      });
    });
  }

  private handle(data: Buffer): void {
    const receivedAt = nowMs();
    const text = data.toString();
    if (text === 'PING') {
      this.socket?.send('PONG');
      return;
    }
    // A tracked() event travels as { id, data }; the typed client unwraps it, so do we.
    const msg = JSON.parse(text) as {
      id?: number;
      result?: { type: string; data?: { id: string; data: StudioEvent } };
      error?: { message: string };
      method?: string;
    };
    if (msg.error) {
      this.errors.push(msg.error.message);
      return;
    }
    if (msg.result?.type === 'started') {
      this.startedResolve?.();
      return;
    }
    if (msg.result?.type === 'data' && msg.result.data) {
      const event = msg.result.data.data;
      for (const l of this.listeners) l({ event, receivedAt });
    }
  }

  close(): void {
    this.socket?.close(1000);
    this.socket = null;
  }
}
