import type { Problem, ProblemKind } from '../../shared/events.js';
import type { EventBus } from '../events/event-bus.js';

/** Files that could not be read: reported once per distinct reason, and once more when fixed. */
export class Problems {
  private readonly byPath = new Map<string, { reason: string; kind: ProblemKind }>();
  constructor(private readonly bus: EventBus) {}

  report(path: string, reason: string, kind: ProblemKind = 'invalid'): void {
    if (this.byPath.get(path)?.reason === reason) return;
    this.byPath.set(path, { reason, kind });
    this.bus.emit({ type: 'file.invalid', path, reason, kind });
  }

  /** Record a problem found while loading, before anyone listens. */
  note(path: string, reason: string, kind: ProblemKind = 'invalid'): void {
    this.byPath.set(path, { reason, kind });
  }

  clear(path: string): void {
    if (this.byPath.delete(path)) this.bus.emit({ type: 'file.recovered', path });
  }

  has(path: string): boolean {
    return this.byPath.has(path);
  }

  list(): Problem[] {
    return [...this.byPath].map(([path, { reason, kind }]) => ({ path, reason, kind }));
  }
}
