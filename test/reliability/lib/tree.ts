import { type Dirent, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Task } from '../../../shared/task.js';

export const STUDIO = '.opencode-studio';
export const TEMP_SUFFIX = '.studio-tmp';

export interface Entry {
  /** Relative to the listed root, with "/" separators. */
  path: string;
  type: 'file' | 'dir' | 'link' | 'other';
  size: number;
}

/** Every entry under `dir` (symlinks are listed, not followed), sorted; `skip` prunes folders by relative path. */
export function listTree(dir: string, skip: (rel: string) => boolean = () => false, maxEntries = 200_000): Entry[] {
  const out: Entry[] = [];
  const walk = (abs: string, rel: string) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(abs, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (out.length >= maxEntries) return;
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (skip(r)) continue;
      const a = path.join(abs, e.name);
      if (e.isDirectory()) {
        out.push({ path: r, type: 'dir', size: 0 });
        walk(a, r);
      } else if (e.isSymbolicLink()) out.push({ path: r, type: 'link', size: 0 });
      else if (e.isFile()) {
        let size = 0;
        try {
          size = statSync(a).size;
        } catch {}
        out.push({ path: r, type: 'file', size });
      } else out.push({ path: r, type: 'other', size: 0 });
    }
  };
  walk(dir, '');
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

/** Leftover temp files of atomic writes anywhere under `.opencode-studio/` (runtime/ included). */
export function tempFiles(root: string): string[] {
  return listTree(path.join(root, STUDIO))
    .filter((e) => e.path.endsWith(TEMP_SUFFIX))
    .map((e) => e.path);
}

export type DiskTask = { id: string; task: Task; text: string };
export type BadFile = { file: string; reason: string };

/** Read every `tasks/*.json` strictly: it must be JSON, a valid Task, named after its id, and complete (ends in a newline). */
export function readDiskTasks(root: string): { tasks: Map<string, DiskTask>; bad: BadFile[] } {
  const dir = path.join(root, STUDIO, 'tasks');
  const tasks = new Map<string, DiskTask>();
  const bad: BadFile[] = [];
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {}
  for (const name of names) {
    if (!name.endsWith('.json')) continue;
    const file = `tasks/${name}`;
    let text: string;
    try {
      text = readFileSync(path.join(dir, name), 'utf8');
    } catch (err) {
      bad.push({ file, reason: (err as Error).message });
      continue;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      bad.push({ file, reason: `not JSON (${(err as Error).message}): ${JSON.stringify(text.slice(0, 80))}` });
      continue;
    }
    const parsed = Task.safeParse(json);
    if (!parsed.success) {
      bad.push({ file, reason: `not a Task: ${parsed.error.issues[0]?.message}` });
      continue;
    }
    if (`${parsed.data.id}.json` !== name) bad.push({ file, reason: `id ${parsed.data.id} does not match the name` });
    else if (!text.endsWith('\n')) bad.push({ file, reason: 'no trailing newline (half-written?)' });
    else tasks.set(parsed.data.id, { id: parsed.data.id, task: parsed.data, text });
  }
  return { tasks, bad };
}
