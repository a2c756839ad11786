import type { ReviewComment } from '../../../shared/comments.js';
import type { DiffRow, ParsedPatch } from './parse-patch.js';

/** The side and line number a diff row shows, for comments: removed lines are on the old side. */
export function lineOf(row: DiffRow): { side: 'new' | 'old'; line: number } | null {
  if (row.kind !== 'line') return null;
  return row.type === 'del' ? { side: 'old', line: row.oldNo! } : { side: 'new', line: row.newNo! };
}

/**
 * The patch with a row for each comment that is not resolved, right under the last line it
 * covers, and the new comment's form under the line picked for it (`composer`). Comments on
 * lines the diff does not show stay out of it (the list still has them).
 */
export function annotate(
  parsed: ParsedPatch,
  comments: readonly ReviewComment[],
  composer: { path: string; side: 'new' | 'old'; line: number } | null = null,
): ParsedPatch {
  const shown = comments.filter((c) => c.status !== 'resolved');
  if (shown.length === 0 && !composer) return parsed;
  const byAnchor = new Map<string, ReviewComment[]>();
  for (const c of shown) {
    const key = `${c.path}\0${c.side}\0${c.endLine ?? c.line}`;
    byAnchor.set(key, [...(byAnchor.get(key) ?? []), c]);
  }
  const rows: DiffRow[] = [];
  const owners: number[] = [];
  const fileRows = new Map<string, number>();
  const moved = new Map<number, number>();
  let path = '';
  parsed.rows.forEach((row, i) => {
    const owner = parsed.owner[i] ?? -1;
    if (row.kind === 'file') {
      path = row.path;
      fileRows.set(row.path, rows.length);
      moved.set(i, rows.length);
    }
    // Line rows name their file by its row index, which the inserted rows move.
    rows.push(row.kind === 'line' ? { ...row, file: moved.get(row.file) ?? row.file } : row);
    owners.push(moved.get(owner) ?? -1);
    const at = lineOf(row);
    for (const comment of at ? (byAnchor.get(`${path}\0${at.side}\0${at.line}`) ?? []) : []) {
      rows.push({ kind: 'comment', comment });
      owners.push(moved.get(owner) ?? -1);
    }
    if (at && composer && composer.path === path && composer.side === at.side && composer.line === at.line) {
      rows.push({ kind: 'composer' });
      owners.push(moved.get(owner) ?? -1);
    }
  });
  return { rows, fileRows, owner: Int32Array.from(owners), longest: parsed.longest };
}
