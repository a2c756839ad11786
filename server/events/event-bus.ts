import type { StudioEvent, StudioEventBody } from '../../shared/events.js';

export type Listener = (event: StudioEvent) => void;
export type Replay = { events: StudioEvent[] } | { resync: string };

/**
 * One typed event source. Ids are `<epoch>-<seq>`: the epoch changes with every server run,
 * so a client resuming with an id from an earlier run is told to resync instead of being
 * silently fed a gap.
 */
export class EventBus {
  readonly epoch = Date.now().toString(36);
  private seq = 0;
  private readonly buffer: StudioEvent[] = [];
  private readonly listeners = new Set<Listener>();

  constructor(private readonly capacity = 10_000) {}

  emit(body: StudioEventBody): StudioEvent {
    this.seq += 1;
    const event = { ...body, id: `${this.epoch}-${this.seq}`, at: new Date().toISOString() } as StudioEvent;
    this.buffer.push(event);
    if (this.buffer.length > this.capacity) this.buffer.splice(0, this.buffer.length - this.capacity);
    // An event emitted by a listener waits until the current one has reached every listener, so all
    // of them see events in id order (a subscriber drops an event older than the last it sent).
    this.queue.push(event);
    if (this.delivering) return event;
    this.delivering = true;
    try {
      for (let next = this.queue.shift(); next; next = this.queue.shift()) this.deliver(next);
    } finally {
      this.delivering = false;
    }
    return event;
  }

  private readonly queue: StudioEvent[] = [];
  private delivering = false;

  private deliver(event: StudioEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        console.error('event listener failed:', err);
      }
    }
  }

  on(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get lastId(): string | null {
    return this.seq === 0 ? null : `${this.epoch}-${this.seq}`;
  }

  /** Where a client stands after seeing everything so far: the last event's id, or `<epoch>-0` before the first. */
  get cursor(): string {
    return `${this.epoch}-${this.seq}`;
  }

  /** Everything after `lastEventId`, in order; or why the client must reload instead. */
  since(lastEventId: string): Replay {
    const seq = this.seqOf(lastEventId);
    if (seq === null) return { resync: 'the server restarted since your last event' };
    if (seq > this.seq) return { resync: 'that event id is from the future' };
    const first = this.buffer[0];
    const firstSeq = first ? Number(first.id.split('-')[1]) : this.seq + 1;
    if (seq < firstSeq - 1) return { resync: 'too many events were missed to replay them' };
    return { events: this.buffer.slice(Math.max(0, seq - firstSeq + 1)) };
  }

  seqOf(id: string): number | null {
    const [epoch, seq] = id.split('-');
    if (epoch !== this.epoch || seq === undefined || !/^\d+$/.test(seq)) return null;
    return Number(seq);
  }

  get listenerCount(): number {
    return this.listeners.size;
  }
}
