import { describe, expect, it } from 'vitest';
import { EventBus } from '../../server/events/event-bus.js';

describe('the event bus', () => {
  it('an event emitted by a listener reaches every listener after the event that caused it (ids in order)', () => {
    const bus = new EventBus();
    bus.on((e) => {
      if (e.type === 'task.deleted') bus.emit({ type: 'file.recovered', path: 'x' });
    });
    const seen: string[] = [];
    bus.on((e) => seen.push(`${e.type} ${e.id.split('-')[1]}`));
    bus.emit({ type: 'task.deleted', taskId: 'a-1' });
    expect(seen).toEqual(['task.deleted 1', 'file.recovered 2']);
  });
});
