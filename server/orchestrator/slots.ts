/** At most `limit()` holders at once; the rest wait in order. The limit is read live, so a config change applies. */
export class Slots {
  private active = 0;
  private readonly waiting: Array<{ resolve: () => void; signal: AbortSignal }> = [];

  constructor(private readonly limit: () => number) {}

  /** Resolves when a slot is free; rejects if the signal aborts first. */
  acquire(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.active < this.limit() && this.waiting.length === 0) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const entry = { resolve, signal };
      this.waiting.push(entry);
      signal.addEventListener(
        'abort',
        () => {
          const i = this.waiting.indexOf(entry);
          if (i >= 0) this.waiting.splice(i, 1);
          reject(signal.reason);
        },
        { once: true },
      );
    });
  }

  release(): void {
    this.active = Math.max(0, this.active - 1);
    this.pump();
  }

  pump(): void {
    while (this.active < this.limit() && this.waiting.length > 0) {
      this.active++;
      this.waiting.shift()!.resolve();
    }
  }

  get running(): number {
    return this.active;
  }
  get queued(): number {
    return this.waiting.length;
  }
}
