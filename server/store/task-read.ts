import fs from 'node:fs/promises';
import { InvalidFileError } from '../errors.js';
import { readTextOrNull } from './atomic-file.js';
import type { WorkspacePaths } from './paths.js';
import { type ParsedTask, parseTask } from './task-file.js';

/** A task file as read: its text and the task, or the reason it cannot be read. */
export type ReadResult = { text: string; parsed: ParsedTask } | { text: string; path: string; error: string };

/** A hand-made file may leave out the dates; only then is the file's time needed. */
export function needsFileTime(text: string): boolean {
  return !(text.includes('"createdAt"') && text.includes('"updatedAt"'));
}

export async function readTaskFile(paths: WorkspacePaths, id: string): Promise<ReadResult | null> {
  const file = paths.task(id);
  let text: string | null;
  try {
    text = await readTextOrNull(file);
  } catch (err) {
    if (!(err instanceof InvalidFileError)) throw err;
    return { text: `\0${err.detail}`, path: paths.relative(file), error: err.detail };
  }
  if (text === null) return null;
  const fileTime = needsFileTime(text)
    ? await fs.stat(file).then(
        (st) => st.mtime.toISOString(),
        () => '',
      )
    : '';
  return parseTaskText(paths, id, text, fileTime);
}

export function parseTaskText(paths: WorkspacePaths, id: string, text: string, fileTime: string): ReadResult {
  try {
    return { text, parsed: parseTask(text, id, fileTime) };
  } catch (err) {
    return { text, path: paths.relative(paths.task(id)), error: (err as Error).message };
  }
}
