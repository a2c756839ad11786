import type { Problem } from '../../shared/events.js';
import type { EventBus } from '../events/event-bus.js';

/** Files that could not be read: reported once per distinct reason, and once more when fixed. */
export class Problems {
  private readonly byPath = new Map<string, string>();
  constructor(private readonly bus: EventBus) {}

  report(path: string, reason: string): void {
    if (this.byPath.get(path) === reason) return;
    this.byPath.set(path, reason);
    this.bus.emit({ type: 'file.invalid', path, reason });
  }

  /** Record a problem found while loading, before anyone listens. */
  note(path: string, reason: string): void {
    this.byPath.set(path, reason);
  }

  clear(path: string): void {
    if (this.byPath.delete(path)) this.bus.emit({ type: 'file.recovered', path });
  }

  has(path: string): boolean {
    return this.byPath.has(path);
  }

  list(): Problem[] {
    return [...this.byPath].map(([path, reason]) => ({ path, reason }));
  }
}
