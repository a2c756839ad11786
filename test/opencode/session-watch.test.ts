import type { OpencodeClient } from '@opencode-ai/sdk/v2';
import { describe, expect, it } from 'vitest';
import type { OpencodeEvent } from '../../server/opencode/event-stream.js';
import { SessionWatch } from '../../server/opencode/session-watch.js';

describe('SessionWatch: the stall mark', () => {
  it('marks a session stalled after stallMs without output, clears it on the next delta, and stops when told', async () => {
    const watch = new SessionWatch({} as OpencodeClient, 'ses_1', '/tmp/x', 'planning');
    const marks: Array<string | null> = [];
    let next: (() => void) | null = null;
    const change = () => new Promise<void>((resolve) => (next = resolve));
    watch.watchdog(50, (since) => {
      marks.push(since);
      next?.();
    });
    await change();
    expect(marks).toEqual([new Date(watch.lastProgressAt).toISOString()]);
    const cleared = change();
    watch.handle({
      type: 'message.part.delta',
      properties: { sessionID: 'ses_1', messageID: 'm', partID: 'p', field: 'text', delta: 'hi' },
    } as OpencodeEvent);
    await cleared;
    expect(marks.at(-1)).toBeNull();
    await change();
    expect(marks).toHaveLength(3);
    watch.stopWatchdog();
  });
});
