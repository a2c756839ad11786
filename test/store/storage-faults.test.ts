import fs from 'node:fs/promises';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { gitStorageFault, StorageFaultError, storageFault } from '../../server/lib/storage-fault.js';
import { removeTempDirs } from '../helpers/temp-repo.js';
import { openWatchedStore } from './store-fixture.js';

afterEach(() => vi.restoreAllMocks());
afterAll(removeTempDirs);

const errno = (code: string) => Object.assign(new Error(`${code}: refused, open`), { code });

describe('storage faults get names', () => {
  it('ENOSPC, EDQUOT, EROFS, EACCES and EPERM map to disk-full, read-only and no-permission; other errors are not faults', () => {
    const reasons = ['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM'].map((c) => storageFault(errno(c), '/r/x', '/r')?.reason);
    expect(reasons).toEqual(['disk-full', 'disk-full', 'read-only', 'no-permission', 'no-permission']);
    expect(storageFault(errno('ENOENT'), '/r/x')).toBeNull();
    expect(storageFault(errno('ENOSPC'), '/r/a/b.json', '/r')?.path).toBe('a/b.json');
    expect(storageFault(errno('ENOSPC'), '/elsewhere/b.json', '/r')?.path).toBe('/elsewhere/b.json');
  });

  it('git’s words at the edge: the quoted path is named; an SSH key refusal is not a disk fault', () => {
    const full = gitStorageFault(
      new Error(
        "error: unable to create temporary file: No space left on device\nfatal: Unable to create '/r/.git/index.lock': No space left on device",
      ),
      '/r',
    );
    expect(full).toMatchObject({ reason: 'disk-full', path: '/r/.git/index.lock' });
    expect(gitStorageFault(new Error("fatal: Unable to create '.git/index.lock': Read-only file system"), '/r')).toMatchObject({
      reason: 'read-only',
      path: '/r/.git/index.lock',
    });
    expect(gitStorageFault(new Error('git@github.com: Permission denied (publickey).'), '/r')).toBeNull();
    expect(gitStorageFault(new Error('fatal: not a git repository'), '/r')).toBeNull();
  });

  // EACCES cannot be made for real here: CI runs as root, and root writes through any mode bits.
  // So the errno is injected at the fs call (the only mock in this file); the rest is real.
  it('no-permission (injected EACCES): the store answers 412 naming the path, reports once, and clears on the next write', async () => {
    const { store, rec } = await openWatchedStore();
    const task = await store.tasks.create({ title: 'Guarded' });
    const open = fs.open;
    const refuse = vi
      .spyOn(fs, 'open')
      .mockImplementation((file, ...rest) =>
        String(file).includes('.studio-tmp') ? Promise.reject(errno('EACCES')) : open(file, ...rest),
      );
    const err = await store.tasks.patch(task.id, { title: 'Changed' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageFaultError);
    expect(err).toMatchObject({ reason: 'no-permission', status: 412 });
    expect((err as Error).message).toContain(`.opencode-studio/tasks/${task.id}.json`);
    expect((err as Error).message).toContain('Give the user running the studio write access');
    await store.plans.write(task.id, '# Plan\n').catch(() => undefined);
    expect(rec.of('storage.fault').map((e) => e.fault.reason)).toEqual(['no-permission', 'no-permission']);
    expect(store.storage.get()).toMatchObject({ reason: 'no-permission', path: `.opencode-studio/plans/${task.id}.md` });

    refuse.mockRestore();
    await store.tasks.patch(task.id, { title: 'Changed' });
    expect(rec.of('storage.recovered')).toHaveLength(1);
    expect(store.storage.get()).toBeNull();
    await store.close();
  });

  it('the activity log on a refusing disk neither throws nor logs a line per entry', async () => {
    const { store } = await openWatchedStore();
    const task = await store.tasks.create({ title: 'Chatty' });
    const open = fs.open;
    vi.spyOn(fs, 'open').mockImplementation((file, ...rest) =>
      String(file).endsWith('.jsonl') ? Promise.reject(errno('ENOSPC')) : open(file, ...rest),
    );
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    for (let i = 0; i < 20; i++)
      store.activity.append(task.id, {
        kind: 'text',
        at: new Date().toISOString(),
        phase: 'planning',
        partId: `p${i}`,
        text: `line ${i}`,
      });
    await store.activity.flush();
    expect(logged).toHaveBeenCalledTimes(1);
    expect(store.storage.get()).toMatchObject({ reason: 'disk-full' });
    await store.close();
  });
});
