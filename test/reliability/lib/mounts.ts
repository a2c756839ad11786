import { execFileSync } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';

/**
 * Real file-system faults: a size-limited tmpfs that fills up, a folder bind-mounted read-only
 * onto itself. mount(8) needs root (CI runs as root); without it the test fails saying so
 * rather than skipping, since a fault suite that does not make its faults proves nothing.
 */
export function requireRoot(): void {
  if (process.getuid?.() !== 0)
    throw new Error(
      'the disk-fault checks mount a full tmpfs and a read-only bind mount, which needs root: run `npm run test:reliability` as root (CI does), e.g. in a container',
    );
}

const mounted: string[] = [];

function mount(...args: string[]): void {
  execFileSync('mount', args, { stdio: 'pipe' });
}

/** A tmpfs of `size` (mount's syntax, e.g. "4m") on the existing folder `dir`. */
export function mountTmpfs(dir: string, size: string): void {
  mount('-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir);
  mounted.push(dir);
}

/** `dir` becomes read-only in place (a bind mount of itself), until `unmount`. */
export function mountReadOnly(dir: string): void {
  mount('--bind', dir, dir);
  mounted.push(dir);
  mount('-o', 'remount,ro,bind', dir);
}

/**
 * Undoes the last mount on `dir` (the folder's own content is back). The studio opens files and
 * folders there for a moment (a read, a folder fsync), which makes umount answer EBUSY: try again.
 */
export async function unmount(dir: string): Promise<void> {
  const at = mounted.lastIndexOf(dir);
  if (at < 0) throw new Error(`${dir} is not mounted by this test`);
  for (let attempt = 1; ; attempt++) {
    try {
      execFileSync('umount', [dir], { stdio: 'pipe' });
      break;
    } catch (err) {
      if (attempt >= 40 || !String((err as { stderr?: Buffer }).stderr).includes('busy')) throw err;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  mounted.splice(at, 1);
}

/** Every mount the tests made, newest first; lazily where something still holds one open. */
export function unmountAll(): void {
  for (const dir of mounted.splice(0).reverse()) {
    try {
      execFileSync('umount', [dir], { stdio: 'pipe' });
    } catch {
      execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
    }
  }
}

/** Writes `file` until the disk holding it refuses the next byte (ENOSPC); returns the bytes written. */
export function fillDisk(file: string): number {
  const fd = openSync(file, 'w');
  let total = 0;
  try {
    for (const size of [1 << 20, 64 << 10, 4 << 10, 1]) {
      const chunk = Buffer.alloc(size, 0x5a);
      for (;;) {
        try {
          total += writeSync(fd, chunk);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
          break;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return total;
}
