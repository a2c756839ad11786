import { randomBytes } from 'node:crypto';
import { TASK_KEY_ORDER, Task } from '../../shared/task.js';
import { canonicalJson, describeZodIssues, parseJsonObject } from './canonical.js';

export type ParsedTask = { task: Task; raw: Record<string, unknown> };

/**
 * Read a task file's text. `fileId` is the id its name gives; a hand-made file may leave out
 * `id`, `order` and the dates: they are filled in (from the name, 0, and the file's time).
 */
export function parseTask(text: string, fileId: string, fileTime: string): ParsedTask {
  const raw = parseJsonObject(text);
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
  return { task: result.data, raw };
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
