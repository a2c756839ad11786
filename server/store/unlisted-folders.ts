import type { FSWatcher } from 'chokidar';

/**
 * chokidar lists a directory (readdir plus an lstat of every entry) when it starts watching it and
 * again on every fs.watch event in it (paulmillr/chokidar#1028). The workspace's folders hold the
 * studio's files, which chokidar is told to ignore: the studio reads the entry that each folder's
 * own watch names. So those listings find nothing to report, yet at 10,000 task files each costs
 * 10,000 lstat calls, at start-up and on every hand edit.
 *
 * For the directories `unlisted` picks, chokidar keeps its fs.watch (and its `raw` events) and
 * skips the listing. Its own events for the folders themselves (added, removed) come from the
 * listing of their parent, which stays.
 */
type HandleRead = (directory: string, initialAdd: boolean, ...rest: unknown[]) => unknown;
interface Internals {
  _nodeFsHandler?: { _handleRead: HandleRead };
}

/** Returns false when this chokidar lacks the internals it relies on (another version): then nothing changes. */
export function skipListings(watcher: FSWatcher, unlisted: (directory: string) => boolean): boolean {
  const handler = (watcher as unknown as Internals)._nodeFsHandler;
  if (!handler || typeof handler._handleRead !== 'function') return false;
  const original = handler._handleRead.bind(handler);
  handler._handleRead = (directory, initialAdd, ...rest) =>
    unlisted(directory) ? undefined : original(directory, initialAdd, ...rest);
  return true;
}
