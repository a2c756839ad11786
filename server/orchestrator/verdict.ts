import type { ReviewVerdict } from '../../shared/task.js';

/** The review's last non-empty line decides; anything else is "unclear" and goes to a person. */
export function parseVerdict(markdown: string): ReviewVerdict {
  const last = markdown
    .trim()
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .at(-1);
  const match = last ? /^\W*VERDICT\W*:\W*(APPROVED|CHANGES_REQUESTED)\W*$/i.exec(last) : null;
  if (!match) return 'unclear';
  return match[1]!.toUpperCase() === 'APPROVED' ? 'approved' : 'changes_requested';
}
