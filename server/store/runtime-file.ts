import { constants } from 'node:fs';
import fs from 'node:fs/promises';
import { z } from 'zod';
import { isMissing, removeTempFiles, writeFileAtomic } from './atomic-file.js';
import type { WorkspacePaths } from './paths.js';

export const ServerInfo = z.object({ url: z.string(), token: z.string(), pid: z.number(), startedAt: z.string() });
export type ServerInfo = z.infer<typeof ServerInfo>;

export class AlreadyRunningError extends Error {
  override name = 'AlreadyRunningError';
}

export async function readServerInfo(paths: WorkspacePaths): Promise<ServerInfo | null> {
  try {
    return ServerInfo.parse(JSON.parse(await fs.readFile(paths.serverInfo, 'utf8')));
  } catch (err) {
    if (isMissing(err) || err instanceof SyntaxError || err instanceof z.ZodError) return null;
    throw err;
  }
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
 * Claim the repo for this process: `runtime/server.json` is created exclusively, so two studios
 * starting at once cannot both win. A file left by a dead studio is taken over.
 */
export async function claimRuntime(paths: WorkspacePaths): Promise<void> {
  await fs.mkdir(paths.runtime, { recursive: true });
  await removeTempFiles(paths.runtime);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await fs.open(paths.serverInfo, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600);
      await handle.writeFile(JSON.stringify({ url: '', token: '', pid: process.pid, startedAt: new Date().toISOString() }));
      await handle.close();
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const raw = await fs.readFile(paths.serverInfo, 'utf8').catch(() => '');
    const pid = Number((/"pid":\s*(\d+)/.exec(raw) ?? [])[1]);
    const url = (/"url":\s*"([^"]*)"/.exec(raw) ?? [])[1];
    if (pid && pid !== process.pid && processAlive(pid))
      throw new AlreadyRunningError(
        `OpenCode Studio is already running for this repo${url ? ` at ${url.split('?')[0]}` : ''} (pid ${pid}); open that one, or stop it first`,
      );
    await fs.rm(paths.serverInfo, { force: true });
  }
  throw new AlreadyRunningError(`could not claim ${paths.relative(paths.serverInfo)}; is another studio starting?`);
}

export async function writeServerInfo(paths: WorkspacePaths, info: ServerInfo): Promise<void> {
  await writeFileAtomic(paths.serverInfo, `${JSON.stringify(info, null, 2)}\n`, 0o600);
}

export async function releaseRuntime(paths: WorkspacePaths): Promise<void> {
  const current = await readServerInfo(paths);
  if (!current || current.pid === process.pid) await fs.rm(paths.serverInfo, { force: true });
}
