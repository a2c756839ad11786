import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Adapter } from 'lowdb';

export const TEMP_SUFFIX = '.studio-tmp';

/**
 * Write a whole file or nothing: a temp file beside it, fsync, rename over, fsync the folder.
 * A crash at any moment leaves either the old or the new content, plus at worst a temp file
 * that `removeTempFiles` cleans up at the next start.
 */
export async function writeFileAtomic(file: string, text: string, mode?: number): Promise<void> {
  const dir = path.dirname(file);
  const temp = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`);
  const handle = await fs.open(temp, constants.O_CREAT | constants.O_WRONLY | constants.O_EXCL, mode ?? 0o644);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fs.rename(temp, file);
  } catch (err) {
    await fs.rm(temp, { force: true });
    throw err;
  }
  await syncDir(dir);
}

async function syncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export async function readTextOrNull(file: string): Promise<string | null> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    if (isMissing(err)) return null;
    throw err;
  }
}

export function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

export async function removeTempFiles(dir: string): Promise<number> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (err) {
    if (isMissing(err)) return 0;
    throw err;
  }
  const temps = names.filter((n) => n.endsWith(TEMP_SUFFIX));
  await Promise.all(temps.map((n) => fs.rm(path.join(dir, n), { force: true })));
  return temps.length;
}

/**
 * A lowdb adapter for one JSON document that the studio owns together with the people who
 * edit it: canonical text in, atomic writes out, and the raw text kept for echo detection.
 */
export class CanonicalJsonFile<T> implements Adapter<T> {
  lastText: string | null = null;
  constructor(
    readonly file: string,
    private readonly parse: (text: string) => T,
    private readonly serialize: (data: T) => string,
  ) {}

  async read(): Promise<T | null> {
    this.lastText = await readTextOrNull(this.file);
    return this.lastText === null ? null : this.parse(this.lastText);
  }

  async write(data: T): Promise<void> {
    const text = this.serialize(data);
    await writeFileAtomic(this.file, text);
    this.lastText = text;
  }
}
