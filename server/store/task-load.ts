import { type Dirent, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Task } from '../../shared/task.js';
import { InvalidFileError } from '../errors.js';
import { isMissing, readListedFileSync, readTextOrNullSync, TEMP_SUFFIX } from './atomic-file.js';
import { isTaskId, type WorkspacePaths } from './paths.js';
import type { Problems } from './problems.js';
import { TaskCache } from './task-cache.js';
import { needsFileTime, parseTaskText } from './task-read.js';

/** What a start-up found in tasks/: each good task (`text` null when it came from the cache), the cache, and crash leftovers. */
export interface FolderRead {
  tasks: Array<{ id: string; task: Task; text: string | null }>;
  cache: TaskCache | null;
  temps: string[];
}

/**
 * Reads every task file, or for a large board every file that changed since the last start (see
 * TaskCache); files that cannot be used are noted as problems. Synchronous on purpose: nothing
 * else runs yet, and 10,000 small reads in a loop are several times faster than through the
 * thread pool.
 */
export function readTaskFolder(paths: WorkspacePaths, problems: Problems): FolderRead {
  let entries: Dirent[] = [];
  try {
    entries = readdirSync(paths.tasks, { withFileTypes: true });
  } catch (err) {
    if (!isMissing(err)) throw err;
  }
  const cache = TaskCache.open(paths.root, entries.length);
  const out: FolderRead = { tasks: [], cache, temps: [] };
  const readAt = Date.now();
  const folder = paths.tasks + path.sep;
  const seen = new Set<string>();
  for (const entry of entries) {
    const name = entry.name;
    if (name.endsWith(TEMP_SUFFIX)) out.temps.push(name);
    const id = name.endsWith('.json') ? name.slice(0, -5) : null;
    if (!id || !isTaskId(id)) continue;
    const file = folder + name;
    // Stat before read: a write in between leaves the stamp older than the text, never newer.
    const st = cache && entry.isFile() ? statSync(file, { throwIfNoEntry: false }) : undefined;
    const cached = st && cache!.hit(id, st);
    if (cached) {
      seen.add(id);
      out.tasks.push({ id, task: cached, text: null });
      continue;
    }
    let text: string | null;
    try {
      // A link, a folder or a pipe in a task's place is read the careful way, which says what it is.
      text = entry.isFile() ? readListedFileSync(file) : readTextOrNullSync(file);
    } catch (err) {
      problems.note(paths.relative(file), err instanceof InvalidFileError ? err.detail : (err as Error).message);
      continue;
    }
    if (text === null) continue;
    const result = parseTaskText(paths, id, text, needsFileTime(text) ? statSync(file).mtime.toISOString() : '');
    if ('error' in result) {
      problems.note(result.path, result.error);
      continue;
    }
    out.tasks.push({ id, task: result.parsed.task, text });
    if (result.parsed.markers) problems.note(paths.relative(file), result.parsed.markers, 'merge-conflict');
    else if (st) {
      seen.add(id);
      cache!.record(id, st, readAt, result.parsed.task);
    }
  }
  cache?.retain(seen);
  return out;
}
