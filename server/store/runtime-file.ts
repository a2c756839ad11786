import { constants } from 'node:fs';
import fs from 'node:fs/promises';
import { z } from 'zod';
import { readTextOrNull, readTextOrNullSync, removeTempFiles, writeFileAtomic, writeFileAtomicSync } from './atomic-file.js';
import { parseJsonObject } from './canonical.js';
import { WorkspacePaths } from './paths.js';
import { faulted } from './storage-health.js';

/** `runtime/server.json`: written once the studio listens, so it is never without a url or a token. */
export const ServerInfo = z.object({
  url: z.string().min(1),
  token: z.string().min(1),
  pid: z.number(),
  startedAt: z.string(),
});
export type ServerInfo = z.infer<typeof ServerInfo>;
const StartLock = z.object({ pid: z.number().int().positive(), startedAt: z.string() });

export class AlreadyRunningError extends Error {
  override name = 'AlreadyRunningError';
}

/** What a script finds in a repo: a studio to talk to, one still starting, or none. */
export type RuntimeState = { state: 'running'; info: ServerInfo } | { state: 'starting' } | { state: 'none' };

function parsed<T>(schema: z.ZodType<T>, text: string | null): T | null {
  if (text === null) return null;
  try {
    const result = schema.safeParse(parseJsonObject(text));
    return result.success ? result.data : null;
  } catch {
    return null; // a half-written or hand-mangled file is as good as none
  }
}

export async function readServerInfo(paths: WorkspacePaths): Promise<ServerInfo | null> {
  return parsed(ServerInfo, await readTextOrNull(paths.serverInfo));
}

/** For the script client, which is synchronous: the studio running in `root`, if any. */
export function runtimeStateSync(root: string): RuntimeState {
  const paths = new WorkspacePaths(root);
  const info = parsed(ServerInfo, readTextOrNullSync(paths.serverInfo));
  if (info) return { state: 'running', info };
  const lock = parsed(StartLock, readTextOrNullSync(paths.startLock));
  return lock && processAlive(lock.pid) ? { state: 'starting' } : { state: 'none' };
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Claim the repo for this process: `runtime/studio.lock` is created exclusively (O_EXCL never
 * follows a link), so two studios starting at once cannot both win. A lock left by a dead
 * studio is taken over.
 */
export async function claimRuntime(paths: WorkspacePaths): Promise<void> {
  await fs.mkdir(paths.runtime, { recursive: true });
  await removeTempFiles(paths.runtime);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await fs.open(paths.startLock, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600);
      await handle.writeFile(`${JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString() })}\n`);
      await handle.close();
      await fs.rm(paths.serverInfo, { force: true }); // left by a studio that was killed
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw faulted(paths.startLock, err);
    }
    const lock = parsed(StartLock, await readTextOrNull(paths.startLock).catch(() => null));
    if (lock && lock.pid !== process.pid && processAlive(lock.pid)) {
      const url = (await readServerInfo(paths))?.url;
      throw new AlreadyRunningError(
        `OpenCode Studio is already running for this repo${url ? ` at ${url}` : ''} (pid ${lock.pid}); open that one, or stop it first`,
      );
    }
    await fs.rm(paths.startLock, { force: true });
  }
  throw new AlreadyRunningError(`could not claim ${paths.relative(paths.startLock)}; is another studio starting?`);
}

export async function writeServerInfo(paths: WorkspacePaths, info: ServerInfo): Promise<void> {
  await writeFileAtomic(paths.serverInfo, `${JSON.stringify(ServerInfo.parse(info), null, 2)}\n`, 0o600);
}

export async function releaseRuntime(paths: WorkspacePaths): Promise<void> {
  const lock = parsed(StartLock, await readTextOrNull(paths.startLock).catch(() => null));
  if (lock && lock.pid !== process.pid) return;
  const info = await readServerInfo(paths);
  if (!info || info.pid === process.pid) await fs.rm(paths.serverInfo, { force: true });
  await fs.rm(paths.startLock, { force: true });
}

/** Written synchronously the moment OpenCode is spawned, so a studio killed at any moment leaves the right pid. */
export function recordOpencodePid(paths: WorkspacePaths, pid: number): void {
  writeFileAtomicSync(paths.opencodePid, `${pid}\n`, { durable: false });
}

/** The pid of an OpenCode a studio started and did not stop (killed -9), or null. */
export async function readOpencodePid(paths: WorkspacePaths): Promise<number | null> {
  const pid = Number((await readTextOrNull(paths.opencodePid).catch(() => null))?.trim());
  return Number.isInteger(pid) && pid > 1 ? pid : null;
}

export async function forgetOpencodePid(paths: WorkspacePaths): Promise<void> {
  await fs.rm(paths.opencodePid, { force: true });
}
