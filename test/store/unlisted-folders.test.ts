import fs from 'node:fs/promises';
import path from 'node:path';
import { type FSWatcher, watch } from 'chokidar';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { skipListings } from '../../server/store/unlisted-folders.js';
import { removeTempDirs, tempDir } from '../helpers/temp-repo.js';
import { waitFor } from '../helpers/wait.js';

const watchers: FSWatcher[] = [];
afterEach(async () => {
  for (const w of watchers.splice(0)) await w.close();
});
afterAll(removeTempDirs);

/**
 * A real chokidar watcher set up as the studio's: the top folder and its folders, the files in
 * the folders ignored (read from the raw events instead). The listings are counted by a spy.
 */
async function watched(skip: boolean) {
  const top = await tempDir('unlisted-');
  const folder = path.join(top, 'tasks');
  await fs.mkdir(folder);
  for (let i = 0; i < 200; i++) await fs.writeFile(path.join(folder, `t${i}.json`), `{"n":${i}}\n`);
  const inFolder = (file: string) => path.relative(top, file).split(path.sep).length === 2;
  const watcher = watch(top, { ignoreInitial: true, depth: 1, ignored: (file) => inFolder(file) });
  watchers.push(watcher);
  const listed: string[] = [];
  const internals = watcher as unknown as { _readdirp: (root: string, opts: unknown) => unknown };
  const original = internals._readdirp.bind(watcher);
  vi.spyOn(internals, '_readdirp').mockImplementation((root, opts) => {
    listed.push(path.relative(top, root) || '.');
    return original(root, opts);
  });
  if (skip) expect(skipListings(watcher, (dir) => path.dirname(dir) === top)).toBe(true);
  await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  const raw: string[] = [];
  const events: string[] = [];
  watcher.on('raw', (_event, name, details) => {
    const from = (details as { watchedPath?: string }).watchedPath;
    if (from === folder && typeof name === 'string') raw.push(name);
  });
  watcher.on('all', (event, file) => events.push(`${event} ${path.relative(top, file)}`));
  return { top, folder, listed, raw, events };
}

describe("chokidar's listings of the workspace's folders, skipped", () => {
  it('the folder is never listed, at start or on a save, and its watch still names each change', async () => {
    const { folder, listed, raw } = await watched(true);
    expect(listed).toEqual(['.']);
    await fs.writeFile(path.join(folder, 't1.json'), '{"n":1,"edited":true}\n');
    await fs.writeFile(path.join(folder, '.t2.json.tmp'), '{"n":2}\n');
    await fs.rename(path.join(folder, '.t2.json.tmp'), path.join(folder, 't2.json'));
    await fs.writeFile(path.join(folder, 'new.json'), '{}\n');
    await fs.rm(path.join(folder, 't3.json'));
    for (const name of ['t1.json', 't2.json', 'new.json', 't3.json'])
      await waitFor(() => raw.includes(name), `a raw event for ${name}`);
    await new Promise((r) => setTimeout(r, 200));
    expect(listed).toEqual(['.']);
  });

  it('without the skip, the same start and save list the folder (what this guards against)', async () => {
    const { folder, listed } = await watched(false);
    expect(listed).toContain('tasks');
    const before = listed.length;
    await fs.writeFile(path.join(folder, 't1.json'), '{"n":1,"edited":true}\n');
    await waitFor(() => listed.length > before, 'a listing after the save');
  });

  it('a folder deleted and made again is reported, and its new watch names changes', async () => {
    const { folder, events, raw } = await watched(true);
    await fs.rm(folder, { recursive: true });
    await waitFor(() => events.includes('unlinkDir tasks'), 'unlinkDir tasks', 5_000);
    await fs.mkdir(folder);
    await waitFor(() => events.includes('addDir tasks'), 'addDir tasks', 5_000);
    await new Promise((r) => setTimeout(r, 100));
    await fs.writeFile(path.join(folder, 'back.json'), '{}\n');
    await waitFor(() => raw.includes('back.json'), 'a raw event from the new folder', 5_000);
  });
});
