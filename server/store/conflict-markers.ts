/** The two (or, in diff3 style, three) versions of a file that git's line merge left with conflict markers. */
export type MarkedSides = { ours: string; theirs: string; base: string | null };

const OPEN = /^<{7}(?: |$)/;
const BASE = /^\|{7}(?: |$)/;
const SPLIT = /^={7}$/;
const CLOSE = /^>{7}(?: |$)/;

export function hasConflictMarkers(text: string): boolean {
  return /^<{7}(?: |$)/m.test(text) && /^={7}$/m.test(text) && /^>{7}(?: |$)/m.test(text);
}

/** Split a file with conflict markers into its sides; null when the markers are not well formed. */
export function splitConflictMarkers(text: string): MarkedSides | null {
  const ours: string[] = [];
  const theirs: string[] = [];
  const base: string[] = [];
  let state: 'both' | 'ours' | 'base' | 'theirs' = 'both';
  let hunks = 0;
  let hunksWithBase = 0;
  for (const line of text.split('\n')) {
    if (state === 'both' && OPEN.test(line)) {
      state = 'ours';
      hunks++;
    } else if (state === 'ours' && BASE.test(line)) {
      state = 'base';
      hunksWithBase++;
    } else if ((state === 'ours' || state === 'base') && SPLIT.test(line)) state = 'theirs';
    else if (state === 'theirs' && CLOSE.test(line)) state = 'both';
    else {
      if (state === 'both' || state === 'ours') ours.push(line);
      if (state === 'both' || state === 'theirs') theirs.push(line);
      if (state === 'both' || state === 'base') base.push(line);
    }
  }
  if (state !== 'both' || hunks === 0) return null;
  return { ours: ours.join('\n'), theirs: theirs.join('\n'), base: hunksWithBase === hunks ? base.join('\n') : null };
}
