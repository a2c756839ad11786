import path from 'node:path';
import type { z } from 'zod';
import { makeDir, readTextOrNull, readTextOrNullSync, writeFileAtomic, writeFileAtomicSync } from './atomic-file.js';

/** A runtime record (never committed): its schema's value, or `fallback` when the file is missing, half-written or mangled. */
export async function readRuntimeJson<T>(file: string, schema: z.ZodType<T>, fallback: T): Promise<T> {
  return parse(schema, await readTextOrNull(file).catch(() => null), fallback);
}

export function readRuntimeJsonSync<T>(file: string, schema: z.ZodType<T>, fallback: T): T {
  let text: string | null = null;
  try {
    text = readTextOrNullSync(file);
  } catch {
    text = null;
  }
  return parse(schema, text, fallback);
}

function parse<T>(schema: z.ZodType<T>, text: string | null, fallback: T): T {
  if (text === null) return fallback;
  try {
    const result = schema.safeParse(JSON.parse(text));
    return result.success ? result.data : fallback;
  } catch {
    return fallback;
  }
}

export async function writeRuntimeJson(file: string, value: unknown): Promise<void> {
  await makeDir(path.dirname(file));
  await writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** Visible to the next process the moment it returns, even if this one is killed right after (a child's pid). */
export function writeRuntimeJsonSync(file: string, value: unknown): void {
  writeFileAtomicSync(file, `${JSON.stringify(value, null, 2)}\n`, { durable: false });
}
