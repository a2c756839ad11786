import type { ReviewComment } from '../../../shared/comments.js';

export type DiffRow =
  | { kind: 'file'; path: string; note: string | null }
  | { kind: 'comment'; comment: ReviewComment }
  /** The form for a new comment, right under the line it is about. */
  | { kind: 'composer' }
  | { kind: 'hunk'; text: string }
  | { kind: 'line'; type: 'add' | 'del' | 'ctx'; oldNo: number | null; newNo: number | null; text: string; file: number }
  | { kind: 'meta'; text: string };

export type ParsedPatch = {
  rows: DiffRow[];
  /** Row index of each file header, by path. */
  fileRows: Map<string, number>;
  /** Index (into `rows`) of the file header each row belongs to. */
  owner: Int32Array;
  longest: number;
};

const HUNK = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/;

function unquote(path: string): string {
  return path.startsWith('"') && path.endsWith('"') ? path.slice(1, -1).replace(/\\(.)/g, '$1') : path;
}

/** A unified diff (`git diff` output) as flat rows, ready for a windowed list. One pass, no regex per content line. */
export function parsePatch(patch: string): ParsedPatch {
  const rows: DiffRow[] = [];
  const fileRows = new Map<string, number>();
  const owners: number[] = [];
  let file: Extract<DiffRow, { kind: 'file' }> | null = null;
  let fileAt = -1;
  let oldNo = 0;
  let newNo = 0;
  let inHunk = false;
  let longest = 0;
  const push = (row: DiffRow) => {
    rows.push(row);
    owners.push(fileAt);
  };

  for (const line of patch.split('\n')) {
    if (line.startsWith('diff --git ')) {
      const b = line.lastIndexOf(' b/');
      file = { kind: 'file', path: b > 0 ? unquote(line.slice(b + 3)) : line.slice(11), note: null };
      fileAt = rows.length;
      inHunk = false;
      push(file);
      continue;
    }
    if (!file) continue;
    if (inHunk) {
      const sign = line.charAt(0);
      if (sign === '+' || sign === '-' || sign === ' ') {
        const text = line.slice(1);
        longest = Math.max(longest, text.length);
        if (sign === '+') push({ kind: 'line', type: 'add', oldNo: null, newNo: newNo++, text, file: fileAt });
        else if (sign === '-') push({ kind: 'line', type: 'del', oldNo: oldNo++, newNo: null, text, file: fileAt });
        else push({ kind: 'line', type: 'ctx', oldNo: oldNo++, newNo: newNo++, text, file: fileAt });
        continue;
      }
      if (sign === '\\') {
        push({ kind: 'meta', text: line.slice(2) });
        continue;
      }
    }
    const hunk = HUNK.exec(line);
    if (hunk) {
      oldNo = Number(hunk[1]);
      newNo = Number(hunk[2]);
      inHunk = true;
      push({ kind: 'hunk', text: line });
    } else if (line.startsWith('+++ ') && line !== '+++ /dev/null') file.path = unquote(line.slice(4)).replace(/^b\//, '');
    else if (line.startsWith('rename from ')) file.note = `renamed from ${line.slice(12)}`;
    else if (line.startsWith('new file mode')) file.note = 'new file';
    else if (line.startsWith('deleted file mode')) file.note = 'deleted';
    else if (line.startsWith('Binary files')) push({ kind: 'meta', text: 'Binary file, not shown' });
  }
  for (const [i, row] of rows.entries()) if (row.kind === 'file') fileRows.set(row.path, i);
  return { rows, fileRows, owner: Int32Array.from(owners), longest };
}
