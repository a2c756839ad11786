import fs from 'node:fs/promises';
import path from 'node:path';
import { type FSWatcher, watch } from 'chokidar';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { quietRelists } from '../../server/store/quiet-relists.js';
import { removeTempDirs, tempDir } from '../helpers/temp-repo.js';
import { waitFor } from '../helpers/wait.js';

const watchers: FSWatcher[] = [];
afterEach(async () => {
  for (const w of watchers.splice(0)) await w.close();
});
afterAll(removeTempDirs);

/** A real chokidar watcher over a folder of 200 files, counting its directory listings (a spy). */
async function watched(quiet: boolean) {
  const dir = await tempDir('quiet-relists-');
  for (let i = 0; i < 200; i++) await fs.writeFile(path.join(dir, `t${i}.json`), `{"n":${i}}\n`);
  const watcher = watch(dir, { ignoreInitial: true });
  watchers.push(watcher);
  if (quiet) expect(quietRelists(watcher)).toBe(true);
  await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  const listings = vi.spyOn(watcher as unknown as { _readdirp: () => unknown }, '_readdirp');
  const events: string[] = [];
  watcher.on('all', (event, file) => events.push(`${event} ${path.basename(file)}`));
  return { dir, listings, events };
}

describe("chokidar's directory re-list, narrowed", () => {
  it('an in-place save of a watched file is reported without listing the folder again', async () => {
    const { dir, listings, events } = await watched(true);
    for (let i = 0; i < 5; i++) await fs.writeFile(path.join(dir, `t${i}.json`), `{"n":${i},"edited":true}\n`);
    await waitFor(() => new Set(events).size >= 5, 'five change events');
    await new Promise((r) => setTimeout(r, 200));
    expect(events.filter((e) => e.startsWith('change'))).toHaveLength(new Set(events).size);
    expect(listings).not.toHaveBeenCalled();
  });

  it('without the narrowing, the same save lists the whole folder (what this guards against)', async () => {
    const { dir, listings, events } = await watched(false);
    await fs.writeFile(path.join(dir, 't1.json'), '{"n":1,"edited":true}\n');
    await waitFor(() => events.includes('change t1.json'), 'the change event');
    await waitFor(() => listings.mock.calls.length > 0, 'a listing');
  });

  it('files that appear, by create or by rename, and files that go are still found', async () => {
    const { dir, events } = await watched(true);
    await fs.writeFile(path.join(dir, 'new.json'), '{}\n');
    await fs.writeFile(path.join(dir, '.t2.json.tmp'), '{"n":2,"saved":"by rename"}\n');
    await fs.rename(path.join(dir, '.t2.json.tmp'), path.join(dir, 't2.json'));
    await fs.rm(path.join(dir, 't3.json'));
    await waitFor(() => events.includes('add new.json'), 'add new.json', 5_000);
    await waitFor(() => events.includes('change t2.json'), 'change t2.json', 5_000);
    await waitFor(() => events.includes('unlink t3.json'), 'unlink t3.json', 5_000);
    await fs.writeFile(path.join(dir, 'new.json'), '{"later":true}\n');
    await waitFor(() => events.includes('change new.json'), 'a change to the added file', 5_000);
  });

  it('a burst of new files (like a git checkout) finds every file', async () => {
    const { dir, events } = await watched(true);
    await Promise.all(Array.from({ length: 60 }, (_, i) => fs.writeFile(path.join(dir, `burst${i}.json`), '{}\n')));
    await waitFor(() => events.filter((e) => e.startsWith('add burst')).length === 60, 'sixty add events', 10_000);
  });
});
