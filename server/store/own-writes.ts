/**
 * Tells the watcher about the store's own writes. Replacing a file by rename swaps its inode,
 * and for a few milliseconds after that a hand edit of the same file can go unseen by the file
 * watch; the watcher reads such a file once more a moment later, so that edit is not lost.
 */
export class OwnWrites {
  listener: ((file: string) => void) | null = null;

  wrote(file: string): void {
    this.listener?.(file);
  }
}
