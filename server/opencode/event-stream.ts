import type { GlobalEvent, OpencodeClient } from '@opencode-ai/sdk/v2';

export type OpencodeEvent = GlobalEvent['payload'];

export interface EventStreamHandlers {
  onEvent(directory: string, event: OpencodeEvent): void;
  /** Called on every (re)connection: events may have been missed while it was down. */
  onConnected(): void;
}

export class EventStreamUnavailableError extends Error {
  override name = 'EventStreamUnavailableError';
}

/** opencode sends a heartbeat every ~10 s; silence this long means the connection is dead. */
const SILENCE_MS = 30_000;
const MAX_BACKOFF_MS = 2_000;

/**
 * One subscription to opencode's global event stream (all directories), kept open across
 * instance disposals and server restarts by reconnecting with a short backoff.
 */
export class OpencodeEventStream {
  readonly #client: OpencodeClient;
  readonly #handlers: EventStreamHandlers;
  #running = false;
  #closed = false;
  #connected = false;
  #connection: AbortController | null = null;
  #lastError = 'not connected yet';
  #lastEventAt = 0;
  #watchdog: NodeJS.Timeout | null = null;
  #waiters = new Set<(err?: Error) => void>();

  constructor(client: OpencodeClient, handlers: EventStreamHandlers) {
    this.#client = client;
    this.#handlers = handlers;
  }

  /** Resolves once the stream is connected; starts it on first use. */
  ready(timeoutMs: number): Promise<void> {
    if (this.#closed) return Promise.reject(new EventStreamUnavailableError('the event stream is closed'));
    if (!this.#running) this.#start();
    if (this.#connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (err?: Error) => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        if (err) reject(err);
        else resolve();
      };
      const timer = setTimeout(() => done(new EventStreamUnavailableError(this.#lastError)), timeoutMs);
      this.#waiters.add(done);
    });
  }

  close(): void {
    this.#closed = true;
    this.#connection?.abort();
    if (this.#watchdog) clearInterval(this.#watchdog);
    for (const w of [...this.#waiters]) w(new EventStreamUnavailableError('the event stream is closed'));
  }

  #start(): void {
    this.#running = true;
    this.#watchdog = setInterval(() => {
      if (this.#connected && Date.now() - this.#lastEventAt > SILENCE_MS) this.#connection?.abort();
    }, 5_000);
    this.#watchdog.unref();
    void this.#loop();
  }

  async #loop(): Promise<void> {
    let backoff = 250;
    while (!this.#closed) {
      const connection = new AbortController();
      this.#connection = connection;
      try {
        const { stream } = await this.#client.global.event({
          signal: connection.signal,
          sseMaxRetryAttempts: 1,
          onSseError: (err) => {
            this.#lastError = err instanceof Error ? err.message : String(err);
          },
        });
        for await (const event of stream) {
          this.#lastEventAt = Date.now();
          if (event.payload.type === 'server.connected') {
            backoff = 250;
            this.#connected = true;
            for (const w of [...this.#waiters]) w();
            this.#handlers.onConnected();
          } else {
            this.#handlers.onEvent(event.directory, event.payload);
          }
        }
        if (!this.#closed) this.#lastError = 'the event stream ended';
      } catch (err) {
        this.#lastError = err instanceof Error ? err.message : String(err);
      }
      this.#connected = false;
      if (this.#closed) return;
      await new Promise((r) => setTimeout(r, backoff));
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    }
  }
}
