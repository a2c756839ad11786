import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { EventBus } from '../../server/events/event-bus.js';
import { DevServers, type DevServersDeps } from '../../server/orchestrator/dev-servers.js';
import type { DevServerState } from '../../shared/task-env.js';
import { removeTempDirs, tempDir } from '../helpers/temp-repo.js';
import { waitFor } from '../helpers/wait.js';

afterAll(removeTempDirs);

describe('a dev server', () => {
  it('a state read is current with one event: its log is the output of that event and the ones before', async () => {
    const bus = new EventBus();
    const events: { id: string; state: string; output: string }[] = [];
    bus.on((e) => {
      if (e.type === 'devserver.updated') events.push({ id: e.id, state: e.server.state, output: e.output });
    });
    const dir = await tempDir('dev-server-');
    // Output in small steps: reads fall while some of it waits for its event.
    const command = 'for i in 1 2 3 4 5 6 7 8; do echo "line $i"; sleep 0.05; done; sleep 30';
    const servers = new DevServers({
      store: { tasks: { get: () => ({}) }, config: { get: () => ({ devServer: command }) } },
      bus,
      ports: { assign: async () => 1, of: async () => null },
      groups: {
        spawn: (cmd: string, o: { cwd: string; env: NodeJS.ProcessEnv }) =>
          spawn('/bin/sh', ['-c', cmd], { ...o, detached: true }),
      },
      locate: async () => dir,
      assertTrusted: async () => {},
    } as unknown as DevServersDeps);
    const reads: DevServerState[] = [await servers.run('t-1')];
    try {
      await waitFor(async () => {
        reads.push(await servers.state('t-1'));
        return reads.at(-1)?.log.includes('line 8') ?? false;
      }, 'the last line');
    } finally {
      await servers.stop('t-1');
    }
    for (const read of reads) {
      const upTo = events.findIndex((e) => e.id === read.event);
      expect(upTo, 'the event it is current with was sent').toBeGreaterThanOrEqual(0);
      expect(read.log).toBe(
        events
          .slice(0, upTo + 1)
          .map((e) => e.output)
          .join(''),
      );
    }
  });
});
