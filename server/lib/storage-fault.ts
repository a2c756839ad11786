/**
 * File-system faults that are the machine's, not the request's: a full disk or quota, a
 * read-only mount, a path the studio's user may not write. Classified where they happen (the
 * store's write door, the git wrapper) into one error with a reason, the path and what to do.
 */
import path from 'node:path';
import type { StorageFaultReason } from '../../shared/errors.js';
import { StudioError } from '../errors.js';

const BY_CODE: Record<string, StorageFaultReason> = {
  ENOSPC: 'disk-full',
  EDQUOT: 'disk-full',
  EROFS: 'read-only',
  EACCES: 'no-permission',
  EPERM: 'no-permission',
};

/** What git (or a program it runs) prints for the same errnos: strerror's words. */
const GIT_WORDS: ReadonlyArray<[RegExp, StorageFaultReason]> = [
  [/No space left on device|Disk quota exceeded/i, 'disk-full'],
  [/Read-only file system/i, 'read-only'],
  [/Permission denied|Operation not permitted/i, 'no-permission'],
];

const QUOTED = /'([^']+)'/;

/** What went wrong, without the path; then what to do, naming it (the board's banner shows the latter). */
const PROBLEM: Record<StorageFaultReason, string> = {
  'disk-full': 'the disk is full',
  'read-only': 'the file system is read-only',
  'no-permission': 'permission denied',
};
const ADVICE: Record<StorageFaultReason, (shown: string) => string> = {
  'disk-full': (p) => `Free some space on the disk holding ${p}, then retry`,
  'read-only': (p) => `Remount the file system holding ${p} read-write (or move the repository to a writable disk), then retry`,
  'no-permission': (p) => `Give the user running the studio write access to ${p} (chown or chmod), then retry`,
};

export class StorageFaultError extends StudioError {
  override name = 'StorageFaultError';
  constructor(
    override readonly reason: StorageFaultReason,
    /** As shown: relative to the repository when inside it. */
    readonly path: string,
    /** What failed, e.g. "the change was not saved" or "git commit failed". */
    what: string,
  ) {
    super(`${what}: ${PROBLEM[reason]}. ${ADVICE[reason](path)}`, reason);
  }

  /** What to do, as a sentence naming the path. */
  get advice(): string {
    return `${ADVICE[this.reason](this.path)}.`;
  }
}

/** The path as a person reads it: relative to `root` when inside it. */
export function shownPath(file: string, root?: string): string {
  if (!root) return file;
  const rel = path.relative(root, file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

export function storageFaultReason(err: unknown): StorageFaultReason | null {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return (code && BY_CODE[code]) || null;
}

/** `err` as a StorageFaultError when an fs call on `file` failed for a storage reason, else null. */
export function storageFault(err: unknown, file: string, root?: string): StorageFaultError | null {
  if (err instanceof StorageFaultError) return err;
  const reason = storageFaultReason(err);
  return reason ? new StorageFaultError(reason, shownPath(file, root), 'the change was not saved') : null;
}

/**
 * The same for a failed git command in `dir`, read from what git printed. A path git quotes
 * ('…') is named; otherwise `dir`. A refused SSH key is the remote's matter, not the disk's.
 */
export function gitStorageFault(err: unknown, dir: string, root?: string): StorageFaultError | null {
  if (err instanceof StorageFaultError) return err;
  const text = err instanceof Error ? err.message : String(err);
  if (/publickey|remote:/i.test(text)) return null;
  for (const [words, reason] of GIT_WORDS) {
    const lines = text.split('\n').filter((l) => words.test(l));
    const line = lines.find((l) => QUOTED.test(l)) ?? lines[0];
    if (!line) continue;
    const quoted = QUOTED.exec(line)?.[1];
    const file = quoted ? path.resolve(dir, quoted) : dir;
    return new StorageFaultError(reason, shownPath(file, root), `git could not write (${line.trim().slice(0, 160)})`);
  }
  return null;
}
