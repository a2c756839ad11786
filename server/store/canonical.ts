import { MAX_JSON_DEPTH, nestedDeeperThan } from '../lib/json-depth.js';

/** JSON the way we commit it: 2 spaces, fixed key order, unknown keys kept after the known ones, newline at the end. */
export function canonicalJson(
  value: Record<string, unknown>,
  keyOrder: readonly string[],
  original?: Record<string, unknown>,
): string {
  const out: Record<string, unknown> = {};
  for (const key of keyOrder) if (value[key] !== undefined) out[key] = value[key];
  const extraKeys = original ? [...Object.keys(original), ...Object.keys(value)] : Object.keys(value);
  for (const key of extraKeys) if (!(key in out) && value[key] !== undefined) out[key] = value[key];
  return `${JSON.stringify(out, null, 2)}\n`;
}

/** Parse JSON text into a plain object, with a reason a person can act on. */
export function parseJsonObject(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`not valid JSON (${(err as Error).message})`);
  }
  if (nestedDeeperThan(value, MAX_JSON_DEPTH)) throw new Error(`nested more than ${MAX_JSON_DEPTH} levels deep`);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('must be a JSON object');
  return value as Record<string, unknown>;
}
