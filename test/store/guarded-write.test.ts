import fsSync, { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import fs, { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { replaceIfUnchanged } from '../../server/store/guarded-write.js';
import { openWatchedStore } from './store-fixture.js';

afterEach(() => {
  vi.restoreAllMocks();
});

async function fileWith(text: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'guarded-'));
  const file = path.join(dir, 'a.json');
  writeFileSync(file, text);
  return file;
}

/** Someone saves in place (same inode) at the instant before our rename: a race made to happen every time. */
function saveInPlaceBeforeRename(file: string, text: string): void {
  const rename = fsSync.renameSync.bind(fsSync);
  vi.spyOn(fsSync, 'renameSync').mockImplementationOnce((from, to) => {
    writeFileSync(file, text);
    rename(from, to);
  });
}

/** Someone saves by renaming a new file over ours at the instant before our last check. */
function renameOverBeforeCheck(file: string, text: string): void {
  const lstat = fsSync.lstatSync.bind(fsSync);
  vi.spyOn(fsSync, 'lstatSync').mockImplementationOnce(((p: string, o: object) => {
    writeFileSync(`${file}.swp`, text);
    fsSync.renameSync(`${file}.swp`, file);
    return lstat(p, o);
  }) as typeof fsSync.lstatSync);
}

describe('replaceIfUnchanged', () => {
  it('replaces a file that still holds what we read, leaving no temp files', async () => {
    const file = await fileWith('old\n');
    expect(await replaceIfUnchanged(file, 'new\n', 'old\n')).toEqual({ outcome: 'written' });
    expect(readFileSync(file, 'utf8')).toBe('new\n');
    expect(readdirSync(path.dirname(file))).toEqual(['a.json']);
  });

  it('writes nothing when the file changed since we read it', async () => {
    const file = await fileWith('hand edit\n');
    expect(await replaceIfUnchanged(file, 'new\n', 'old\n')).toEqual({ outcome: 'changed' });
    expect(readFileSync(file, 'utf8')).toBe('hand edit\n');
    expect(readdirSync(path.dirname(file))).toEqual(['a.json']);
  });

  it('still compares before replacing on a file system without hard links', async () => {
    const file = await fileWith('old\n');
    vi.spyOn(fs, 'link').mockRejectedValue(Object.assign(new Error('EPERM: operation not permitted'), { code: 'EPERM' }));
    expect(await replaceIfUnchanged(file, 'new\n', 'stale\n')).toEqual({ outcome: 'changed' });
    expect(readFileSync(file, 'utf8')).toBe('old\n');
    expect(await replaceIfUnchanged(file, 'new\n', 'old\n')).toEqual({ outcome: 'written' });
    expect(readFileSync(file, 'utf8')).toBe('new\n');
    expect(readdirSync(path.dirname(file))).toEqual(['a.json']);
  });

  it('hands back an in-place save that raced the rename instead of losing it', async () => {
    const file = await fileWith('old\n');
    saveInPlaceBeforeRename(file, 'hand edit\n');
    expect(await replaceIfUnchanged(file, 'new\n', 'old\n')).toEqual({ outcome: 'displaced', displaced: 'hand edit\n' });
    expect(readdirSync(path.dirname(file))).toEqual(['a.json']);
  });

  it('writes nothing when a rename-style save lands after the content check', async () => {
    const file = await fileWith('old\n');
    renameOverBeforeCheck(file, 'hand edit\n');
    expect(await replaceIfUnchanged(file, 'new\n', 'old\n')).toEqual({ outcome: 'changed' });
    expect(readFileSync(file, 'utf8')).toBe('hand edit\n');
    expect(readdirSync(path.dirname(file))).toEqual(['a.json']);
  });
});

describe('a task update racing an in-place hand save', () => {
  it('regression: keeps the hand save and applies the update on top of it', async () => {
    const { store, paths } = await openWatchedStore();
    try {
      const task = await store.tasks.create({ title: 'Raced' });
      const file = paths.task(task.id);
      const hand = { ...JSON.parse(readFileSync(file, 'utf8')), description: 'typed by hand', handNote: 'kept' };
      saveInPlaceBeforeRename(file, `${JSON.stringify(hand, null, 2)}\n`);
      const updated = await store.tasks.patch(task.id, { title: 'Renamed by the API' });
      const onDisk = JSON.parse(readFileSync(file, 'utf8'));
      expect(onDisk).toMatchObject({ title: 'Renamed by the API', description: 'typed by hand', handNote: 'kept' });
      expect(updated.description).toBe('typed by hand');
      expect(store.tasks.get(task.id).title).toBe('Renamed by the API');
    } finally {
      await store.close();
    }
  });

  it('refuses after the file changed under every attempt, and leaves the last hand save in place', async () => {
    const { store, paths } = await openWatchedStore();
    try {
      const task = await store.tasks.create({ title: 'Busy' });
      const file = paths.task(task.id);
      const base = JSON.parse(readFileSync(file, 'utf8'));
      let n = 0;
      const link = fs.link.bind(fs);
      vi.spyOn(fs, 'link').mockImplementation(async (from, to) => {
        writeFileSync(file, `${JSON.stringify({ ...base, handNote: `save ${++n}` }, null, 2)}\n`);
        return link(from, to);
      });
      await expect(store.tasks.patch(task.id, { title: 'Never' })).rejects.toThrow(/kept changing on disk/);
      expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ title: 'Busy', handNote: `save ${n}` });
    } finally {
      await store.close();
    }
  });
});
