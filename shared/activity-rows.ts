import type { ActivityEntry } from './activity.js';

/** A setup command's output kept on screen: its end, where the error is. */
const OUTPUT_CHARS = 20_000;

/**
 * The log has one entry per tool state change (running, then completed); a reader wants one
 * row per tool call, in the place it started, showing its latest state. A setup command's
 * output, logged a few lines at a time, reads as one block.
 * Collapsing is idempotent and collapse(collapse(a) ++ b) = collapse(a ++ b): the server may store
 * and send collapsed rows, and a reader collapses live entries on top of them.
 */
export function collapseActivity(entries: readonly ActivityEntry[]): ActivityEntry[] {
  const rows: ActivityEntry[] = [];
  const slot = new Map<string, number>();
  for (const entry of entries) {
    const key = keyOf(entry);
    if (key) {
      const at = slot.get(key);
      const previous = at === undefined ? undefined : rows[at];
      if (at !== undefined && previous) {
        rows[at] =
          entry.kind === 'output' && previous.kind === 'output'
            ? { ...entry, text: (previous.text + entry.text).slice(-OUTPUT_CHARS) }
            : entry;
        continue;
      }
      slot.set(key, rows.length);
    }
    rows.push(entry);
  }
  return rows;
}

function keyOf(entry: ActivityEntry): string | null {
  if (entry.kind === 'tool' || entry.kind === 'text') return `${entry.kind}:${entry.partId}`;
  if (entry.kind === 'setup' || entry.kind === 'output') return `${entry.kind}:${entry.id}`;
  return null;
}
