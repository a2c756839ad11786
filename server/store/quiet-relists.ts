import { lstat } from 'node:fs/promises';
import path from 'node:path';
import type { FSWatcher } from 'chokidar';

/**
 * chokidar re-lists a whole directory (readdir plus an lstat of every entry) on every fs.watch
 * event in it, even for a write to a file it already watches (paulmillr/chokidar#1028). With
 * 10,000 task files that is 10,000 lstat calls per hand edit, queued in libuv's thread pool ahead
 * of the stat and the read that deliver the edit itself.
 *
 * A listing only finds entries that appeared or vanished, and the raw event names them. So the
 * listing is narrowed to what the events name: `change` events need none (the file's own watcher
 * reports it); a named file that appeared is added through chokidar's own `add`; one that is already
 * watched reports itself (a rename over it, a delete). Anything else (an unnamed event, a folder, a
 * burst of names) gets chokidar's full listing, as before.
 */
const MAX_NAMED = 32;

type HandleRead = (directory: string, initialAdd: boolean, ...rest: unknown[]) => unknown;
interface Internals {
  _nodeFsHandler?: { _handleRead: HandleRead };
  _watched?: Map<string, { has(item: string): boolean | undefined }>;
  _isIgnored?: (path: string, stats?: unknown) => boolean;
  add(paths: string, origAdd?: string, internal?: boolean): unknown;
}

/** Per directory, what its events named since its last look: names, or null for "look at everything". */
type Named = Set<string> | null;

/** Returns false when this chokidar lacks the internals it relies on (another version): then nothing changes. */
export function quietRelists(watcher: FSWatcher): boolean {
  const fsw = watcher as unknown as Internals;
  const handler = fsw._nodeFsHandler;
  if (!handler || typeof handler._handleRead !== 'function' || !(fsw._watched instanceof Map)) return false;
  const original = handler._handleRead.bind(handler);
  const pending = new Map<string, Named>();

  watcher.on('raw', (event, name, details) => {
    const dir = (details as { watchedPath?: string } | undefined)?.watchedPath;
    if (dir === undefined || !pending.has(dir) || event === 'change') return;
    const named = pending.get(dir);
    if (named === null || named === undefined) return;
    if (typeof name !== 'string' || name === '' || named.size >= MAX_NAMED) pending.set(dir, null);
    else named.add(name);
  });

  const look = async (dir: string, named: Named, rest: unknown[]) => {
    if (named === null) return original(dir, false, ...rest);
    for (const name of named) {
      const full = path.join(dir, name);
      const stats = await lstat(full).catch(() => null);
      const watched = fsw._watched?.get(path.resolve(dir))?.has(name) ?? false;
      if (stats?.isFile() && !watched) {
        if (!fsw._isIgnored?.(full, stats)) fsw.add(full, undefined, true);
      } else if (stats ? !stats.isFile() : watched) return original(dir, false, ...rest);
    }
    return undefined;
  };

  handler._handleRead = (directory, initialAdd, ...rest) => {
    if (initialAdd) return original(directory, initialAdd, ...rest);
    // Called from the folder's fs.watch listener just before chokidar emits the raw event that
    // says what happened: look once that has been seen.
    if (pending.has(directory)) return undefined;
    pending.set(directory, new Set());
    setImmediate(() => {
      const named = pending.get(directory) ?? null;
      pending.delete(directory);
      if (named?.size === 0) return;
      void Promise.resolve(look(directory, named, rest)).catch((err) => watcher.emit('error', err));
    });
    return undefined;
  };
  return true;
}
