import type { ActivityEntry } from '../../../shared/activity.js';

/**
 * The log has one entry per tool state change (running, then completed); a reader wants one
 * row per tool call, in the place it started, showing its latest state.
 */
export function collapseActivity(entries: readonly ActivityEntry[]): ActivityEntry[] {
  const rows: ActivityEntry[] = [];
  const slot = new Map<string, number>();
  for (const entry of entries) {
    if (entry.kind === 'tool' || entry.kind === 'text') {
      const key = `${entry.kind}:${entry.partId}`;
      const at = slot.get(key);
      if (at !== undefined) {
        rows[at] = entry;
        continue;
      }
      slot.set(key, rows.length);
    }
    rows.push(entry);
  }
  return rows;
}
