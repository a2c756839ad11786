import net from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Ports } from '../../server/orchestrator/ports.js';
import { removeTempDirs, tempDir } from '../helpers/temp-repo.js';

afterAll(removeTempDirs);

/** A real listener on a port the OS picked, so the range below starts on a port that is busy. */
async function busyPort(): Promise<{ port: number; close(): Promise<void> }> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return { port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('a port per task from portRange', () => {
  it('skips a port in use, keeps each holder’s port across a restart, hands a slot’s port on and releases it', async () => {
    const file = path.join(await tempDir('studio-ports-'), 'ports.json');
    const busy = await busyPort();
    try {
      const range = [busy.port, busy.port + 40];
      const ports = new Ports(file, () => range);
      const a = await ports.assign('task-a');
      expect(a).not.toBe(busy.port);
      expect(a).toBeGreaterThan(busy.port);
      expect(await ports.assign('task-a')).toBe(a);
      const slot = await ports.assign('slot-1');
      expect(slot).not.toBe(a);
      await ports.transfer('slot-1', 'task-b');

      const again = new Ports(file, () => range);
      expect(await again.of('task-a')).toBe(a);
      expect(await again.of('task-b')).toBe(slot);
      expect(await again.of('slot-1')).toBeNull();
      await again.release('task-a');
      expect(await again.of('task-a')).toBeNull();
      await again.keepOnly((holder) => holder !== 'task-b');
      expect(await new Ports(file, () => range).of('task-b')).toBeNull();
    } finally {
      await busy.close();
    }
  });

  it('a range with every port taken refuses with no-free-port and records nothing', async () => {
    const file = path.join(await tempDir('studio-ports-'), 'ports.json');
    const busy = await busyPort();
    try {
      const ports = new Ports(file, () => [busy.port, busy.port]);
      await expect(ports.assign('task-a')).rejects.toMatchObject({ reason: 'no-free-port', message: /widen portRange/ });
      expect(await ports.of('task-a')).toBeNull();
    } finally {
      await busy.close();
    }
  });
});
