import { randomBytes } from 'node:crypto';
import { TASK_KEY_ORDER, Task } from '../../shared/task.js';
import { describeZodIssues } from '../lib/zod-issues.js';
import { canonicalJson, parseJsonObject } from './canonical.js';
import { hasConflictMarkers, splitConflictMarkers } from './conflict-markers.js';
import { mergeFields, TASK_MERGE_RULES } from './task-merge.js';

/** `markers`: git left conflict markers in the file; the task is "ours" with the clashes in `conflict`, and this says so. */
export type ParsedTask = { task: Task; raw: Record<string, unknown>; markers?: string };

/**
 * Read a task file's text. `fileId` is the id its name gives; a hand-made file may leave out
 * `id`, `order` and the dates: they are filled in (from the name, 0, and the file's time).
 */
export function parseTask(text: string, fileId: string, fileTime: string): ParsedTask {
  if (hasConflictMarkers(text)) return parseMarkedTask(text, fileId, fileTime);
  const raw = parseJsonObject(text);
  return { task: toTask(raw, fileId, fileTime), raw };
}

function toTask(raw: Record<string, unknown>, fileId: string, fileTime: string): Task {
  if (raw.id !== undefined && raw.id !== fileId)
    throw new Error(`"id" is ${JSON.stringify(raw.id)} but the file name says "${fileId}"`);
  const filled = {
    ...raw,
    id: fileId,
    order: raw.order ?? 0,
    createdAt: raw.createdAt ?? fileTime,
    updatedAt: raw.updatedAt ?? raw.createdAt ?? fileTime,
  };
  const result = Task.safeParse(filled);
  if (!result.success) throw new Error(describeZodIssues(result.error.issues));
  return result.data;
}

/**
 * A task file that git merged line by line (a clone without the studio's merge driver): both
 * sides are read and merged field by field, as the driver would have, so the board can offer
 * a choice per clashing field. Without a base (git's default style) every difference clashes.
 */
function parseMarkedTask(text: string, fileId: string, fileTime: string): ParsedTask {
  const sides = splitConflictMarkers(text);
  const prefix = 'git left conflict markers in the file (this clone had no studio merge driver)';
  if (!sides) throw new Error(`merge conflict: ${prefix}, and they are not well formed; fix the file by hand`);
  const side = (name: string, sideText: string) => {
    try {
      return parseJsonObject(sideText);
    } catch (err) {
      throw new Error(`merge conflict: ${prefix}; ${name} is not a valid task (${(err as Error).message}); fix the file by hand`);
    }
  };
  const ours = side('our side', sides.ours);
  const theirs = side('their side', sides.theirs);
  const base = sides.base === null ? {} : side('the base', sides.base);
  const { merged, conflict } = mergeFields(base, ours, theirs, TASK_MERGE_RULES);
  const task = toTask({ ...merged, conflict }, fileId, fileTime);
  const title = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : 'untitled');
  const fields = Object.keys(conflict);
  return {
    task,
    raw: merged,
    markers: `${prefix}; ours is ${title(ours.title)}, theirs is ${title(theirs.title)}; ${
      fields.length ? `they differ in ${fields.join(', ')}` : 'their fields merge cleanly'
    }. Pick a side per field on the board, or fix the file by hand`,
  };
}

export function serializeTask(task: Task, raw?: Record<string, unknown>): string {
  return canonicalJson(task, TASK_KEY_ORDER, raw);
}

/** Readable and unique across clones and branches without coordination: a slug of the title plus 6 random characters. */
export function newTaskId(title: string): string {
  const slug = title
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  const suffix = randomSuffix(6);
  return slug ? `${slug}-${suffix}` : `task-${suffix}`;
}

function randomSuffix(length: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(length);
  let out = '';
  for (const byte of bytes) out += alphabet[byte % alphabet.length];
  return out;
}

export function sameTask(a: Task, b: Task): boolean {
  return serializeTask(a) === serializeTask(b);
}
