import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  fstatSync,
  fsyncSync,
  lstatSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  type Stats,
  writeSync,
} from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Adapter } from 'lowdb';
import { InvalidFileError } from '../errors.js';
import { STUDIO_DIR } from './paths.js';
import { faulted, observedWrite, observedWriteSync } from './storage-health.js';

export const TEMP_SUFFIX = '.studio-tmp';

/**
 * Write a whole file or nothing: a temp file beside it, fsync, rename over, fsync the folder.
 * A crash at any moment leaves either the old or the new content, plus at worst a temp file
 * that `removeTempFiles` cleans up at the next start.
 */
export function writeFileAtomic(file: string, text: string, mode?: number): Promise<void> {
  return observedWrite(file, async () => {
    const temp = await writeTemp(file, text, mode);
    try {
      await fs.rename(temp, file);
    } catch (err) {
      await fs.rm(temp, { force: true });
      throw err;
    }
    await syncDir(path.dirname(file));
  });
}

/**
 * `mkdir -p` through the write door: a full or read-only disk is named like any other write
 * (a folder that exists already succeeds on a full disk too, so success clears nothing).
 */
export async function makeDir(dir: string, mode?: number): Promise<void> {
  await fs.mkdir(dir, { recursive: true, ...(mode === undefined ? {} : { mode }) }).catch((err) => {
    throw faulted(dir, err);
  });
}

/**
 * The folders between `file` and `.opencode-studio/` (itself included): a write must not land
 * elsewhere because one of them is a symbolic link (a cloned repo could link `tasks/` to ~/).
 */
function studioFolders(file: string): string[] {
  const folders: string[] = [];
  for (let dir = path.dirname(file); folders.length < 4; dir = path.dirname(dir)) {
    folders.push(dir);
    if (path.basename(dir) === STUDIO_DIR) return folders;
    if (path.dirname(dir) === dir) break;
  }
  return []; // not under .opencode-studio/: not ours to judge
}

function refuseLinkedFolder(dir: string, stat: Stats | null | undefined): void {
  if (stat?.isSymbolicLink()) throw new InvalidFileError(dir, SYMLINK);
}

async function refuseLinkedFolders(file: string): Promise<void> {
  for (const dir of studioFolders(file))
    refuseLinkedFolder(dir, await fs.lstat(dir).catch((err) => (isMissing(err) ? null : Promise.reject(err))));
}

/** The same, synchronously: for a record that must be on disk before the next line runs (a child's pid). */
/**
 * `durable: false` skips the fsync: for runtime hints (a pid) that must be visible to the next
 * process at once, even if this one is killed the next instant, and need not survive a power cut.
 */
export function writeFileAtomicSync(file: string, text: string, options: { durable?: boolean } = {}): void {
  for (const dir of studioFolders(file)) refuseLinkedFolder(dir, lstatSync(dir, { throwIfNoEntry: false }));
  refuseNonFile(file, lstatSync(file, { throwIfNoEntry: false }));
  const temp = tempName(file);
  observedWriteSync(file, () => {
    const fd = openSync(temp, constants.O_CREAT | constants.O_WRONLY | constants.O_EXCL, 0o644);
    try {
      writeSync(fd, text);
      if (options.durable !== false) fsyncSync(fd);
      renameSync(temp, file);
    } catch (err) {
      rmSync(temp, { force: true });
      throw err;
    } finally {
      closeSync(fd);
    }
  });
}

function refuseNonFile(file: string, existing: Stats | null | undefined): void {
  if (existing && !existing.isFile())
    throw new InvalidFileError(
      file,
      `is a ${existing.isDirectory() ? 'folder' : 'link or special file'}; the studio will not replace it`,
    );
}

/** A temp file with `text` beside `file`, fsynced; refuses when something other than a file sits at `file`. */
export async function writeTemp(file: string, text: string, mode?: number): Promise<string> {
  await refuseLinkedFolders(file);
  refuseNonFile(file, await fs.lstat(file).catch((err) => (isMissing(err) ? null : Promise.reject(err))));
  const temp = tempName(file);
  return observedWrite(file, async () => {
    const handle = await fs.open(temp, constants.O_CREAT | constants.O_WRONLY | constants.O_EXCL, mode ?? 0o644);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } catch (err) {
      await handle.close();
      await fs.rm(temp, { force: true });
      throw err;
    }
    await handle.close();
    return temp;
  });
}

/** A fresh name beside `file` that the watcher ignores and the next start removes. */
export function tempName(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`);
}

export async function syncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Reads never follow a symbolic link (a cloned repo could point a plan at ~/.ssh) and never
 * block on a pipe.
 */
const NO_FOLLOW_NO_BLOCK = constants.O_NONBLOCK | constants.O_NOFOLLOW;
const READ_FLAGS = constants.O_RDONLY | NO_FOLLOW_NO_BLOCK;
const SYMLINK = 'is a symbolic link; the studio only reads and writes plain files in .opencode-studio/';
const UNREADABLE = 'cannot be read (permission denied); give the user running the studio read access to it (chmod or chown)';

/**
 * A failed open of a file to read: null when there is no file; a file the studio cannot use (a
 * link, a folder, no read permission) is an InvalidFileError, which the store shows as a file
 * problem until it is fixed; anything else is thrown as it is.
 */
function unreadable(file: string, err: unknown): null {
  if (isMissing(err)) return null;
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ELOOP') throw new InvalidFileError(file, SYMLINK);
  if (code === 'EISDIR') throw new InvalidFileError(file, 'is a folder, not a file');
  if (code === 'EACCES' || code === 'EPERM') throw new InvalidFileError(file, UNREADABLE);
  throw err;
}

/** Larger files are refused: nothing the studio owns is near this, and reading one would stall everything. */
export const MAX_FILE_BYTES = 10 * 1024 * 1024;

/**
 * A file's text, or null when there is none. Only regular files are read (a folder, a pipe or a
 * device in their place is reported, and a pipe must not block the server): InvalidFileError.
 */
export async function readTextOrNull(file: string, maxBytes = MAX_FILE_BYTES): Promise<string | null> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, READ_FLAGS);
  } catch (err) {
    return unreadable(file, err);
  }
  try {
    checkRegular(file, await handle.stat(), maxBytes);
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

/** The same, synchronously: for the start-up load only. */
export function readTextOrNullSync(file: string): string | null {
  let fd: number;
  try {
    fd = openSync(file, READ_FLAGS);
  } catch (err) {
    return unreadable(file, err);
  }
  try {
    checkRegular(file, fstatSync(fd));
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

/**
 * The text of a file that a directory listing just reported as a regular file, in one call (open,
 * read and close without a stat: the start-up load of 10,000 task files). Still never through a
 * link and never blocking; a file swapped for something else since the listing fails to parse.
 */
export function readListedFileSync(file: string): string | null {
  let text: string;
  try {
    // Node takes numeric flags here too (its types only list the string forms).
    text = readFileSync(file, { encoding: 'utf8', flag: READ_FLAGS as unknown as string });
  } catch (err) {
    return unreadable(file, err);
  }
  const size = text.length > MAX_FILE_BYTES / 4 ? Buffer.byteLength(text) : 0;
  if (size > MAX_FILE_BYTES)
    throw new InvalidFileError(
      file,
      `is ${(size / 1024 / 1024).toFixed(1)} MB; files here may be at most ${MAX_FILE_BYTES / 1024 / 1024} MB`,
    );
  return text;
}

function checkRegular(file: string, stat: Stats, maxBytes = MAX_FILE_BYTES): void {
  if (!stat.isFile()) throw new InvalidFileError(file, `is a ${stat.isDirectory() ? 'folder' : 'special file'}, not a file`);
  if (stat.size > maxBytes)
    throw new InvalidFileError(
      file,
      `is ${(stat.size / 1024 / 1024).toFixed(1)} MB; files here may be at most ${maxBytes / 1024 / 1024} MB`,
    );
}

/**
 * Appends one line (or several, joined by newlines); never through a link (O_NOFOLLOW), and only
 * to a regular file. Answers the file's size after it.
 */
export async function appendLine(file: string, line: string): Promise<number> {
  await refuseLinkedFolders(file);
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | NO_FOLLOW_NO_BLOCK, 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw new InvalidFileError(file, SYMLINK);
    throw faulted(file, err);
  }
  try {
    const before = await handle.stat();
    checkRegular(file, before, Number.POSITIVE_INFINITY);
    const text = `${line}
`;
    await observedWrite(file, () => handle.appendFile(text, 'utf8'));
    return before.size + Buffer.byteLength(text);
  } finally {
    await handle.close();
  }
}

/** A folder where a file was expected: `fs.rm` says ERR_FS_EISDIR, the system calls EISDIR. */
export function isFolder(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === 'EISDIR' || code === 'ERR_FS_EISDIR';
}

export function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** Removes the temp files a crash left in `dir` (`listed`: its names, when the caller has just listed it). */
export async function removeTempFiles(dir: string, listed?: readonly string[]): Promise<number> {
  let names: readonly string[];
  try {
    names = listed ?? (await fs.readdir(dir));
  } catch (err) {
    if (isMissing(err)) return 0;
    throw err;
  }
  const temps = names.filter((n) => n.endsWith(TEMP_SUFFIX));
  await Promise.all(temps.map((n) => fs.rm(path.join(dir, n), { force: true })));
  return temps.length;
}

/**
 * A lowdb adapter for one JSON document that the studio owns together with the people who
 * edit it: canonical text in, atomic writes out, and the raw text kept for echo detection.
 */
export class CanonicalJsonFile<T> implements Adapter<T> {
  lastText: string | null = null;
  constructor(
    readonly file: string,
    private readonly parse: (text: string) => T,
    private readonly serialize: (data: T) => string,
  ) {}

  async read(): Promise<T | null> {
    this.lastText = await readTextOrNull(this.file);
    return this.lastText === null ? null : this.parse(this.lastText);
  }

  async write(data: T): Promise<void> {
    const text = this.serialize(data);
    await writeFileAtomic(this.file, text);
    this.lastText = text;
  }
}
