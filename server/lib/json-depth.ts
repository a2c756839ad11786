/** Deeper JSON than this is refused: nothing the studio stores nests more than a few levels. */
export const MAX_JSON_DEPTH = 64;

/** How deeply `[` and `{` nest in JSON text, without parsing it (strings are skipped). */
export function jsonDepth(text: string | Uint8Array): number {
  const code = typeof text === 'string' ? (i: number) => text.charCodeAt(i) : (i: number) => text[i]!;
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = code(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) max = Math.max(max, ++depth);
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}

/**
 * Whether a parsed value nests `[` and `{` more than `max` deep: what `jsonDepth` says of its
 * text, found by walking the value (JSON.parse itself copes with any depth; JSON.stringify and
 * the schema checks after it do not). For a small document this is much cheaper than the scan.
 */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (max <= 0) return true;
  for (const child of Array.isArray(value) ? value : Object.values(value)) if (nestedDeeperThan(child, max - 1)) return true;
  return false;
}
