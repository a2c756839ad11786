import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { isMissing, readTextOrNull, syncDir, tempName, writeTemp } from './atomic-file.js';
import { faulted } from './storage-health.js';

export type GuardedWrite =
  /** `text` is on disk. */
  | { outcome: 'written' }
  /** The file no longer held `expected` (a hand edit landed): nothing was written. */
  | { outcome: 'changed' }
  /**
   * `text` is on disk, but a hand edit saved in place while we renamed was pushed aside:
   * `displaced` is what that person saved. Apply the change again on top of it.
   */
  | { outcome: 'displaced'; displaced: string };

/**
 * Replace `file` with `text` only if it still holds `expected`. POSIX has no compare-and-swap
 * rename, so the old file is hard-linked aside first: its content is checked before the rename
 * and again after it, which catches an editor's in-place save that raced the rename (it went to
 * the old inode, which the link still reaches). A rename-style save between the last check and
 * our rename remains possible; the checks leave a window of two back-to-back system calls for it.
 */
export async function replaceIfUnchanged(file: string, text: string, expected: string): Promise<GuardedWrite> {
  const temp = await writeTemp(file, text);
  const keep = tempName(file);
  let renamed = false;
  try {
    // No hard links on some network or FAT mounts: there we can only compare, then rename.
    const linked = await fs.link(file, keep).then(
      () => true,
      (err) => (isMissing(err) ? null : false),
    );
    if (linked === null || (await readTextOrNull(linked ? keep : file)) !== expected) return { outcome: 'changed' };
    const keptIno = linked ? (await fs.lstat(keep)).ino : null;
    // The last check and the rename are two back-to-back system calls with no turn of the event
    // loop between them: a rename-style save can only slip into that gap of microseconds, where
    // two thread-pool round trips under a busy loop left it milliseconds.
    if (keptIno !== null && fsSync.lstatSync(file, { throwIfNoEntry: false })?.ino !== keptIno) return { outcome: 'changed' };
    try {
      fsSync.renameSync(temp, file);
    } catch (err) {
      throw faulted(file, err);
    }
    renamed = true;
    await syncDir(path.dirname(file));
    const after = linked ? await readTextOrNull(keep) : null;
    if (after === expected || after === null) return { outcome: 'written' };
    return { outcome: 'displaced', displaced: (await settled(keep, after)) ?? after };
  } finally {
    await Promise.all([renamed ? null : fs.rm(temp, { force: true }), fs.rm(keep, { force: true })]);
  }
}

/** The file's text once two reads a moment apart agree: an in-place save may still be writing. */
async function settled(file: string, first: string): Promise<string | null> {
  let text: string | null = first;
  for (let i = 0; i < 10; i++) {
    await new Promise((r) => setTimeout(r, 15));
    const again = await readTextOrNull(file);
    if (again === text) return text;
    text = again;
  }
  return text;
}
