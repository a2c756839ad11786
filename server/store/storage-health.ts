import path from 'node:path';
import type { StorageFault } from '../../shared/events.js';
import type { EventBus } from '../events/event-bus.js';
import { type StorageFaultError, storageFault } from '../lib/storage-fault.js';

/**
 * Whether the disk takes the studio's writes: the last fault (full, read-only, no permission)
 * until a write succeeds again. One per workspace, owned by StudioStore; the write door
 * (atomic-file.ts) reports every write's outcome under the workspace's folder here, so no
 * writer has to remember to.
 */
export class StorageHealth {
  private fault: StorageFault | null = null;

  constructor(
    private readonly bus: EventBus,
    private readonly root: string,
  ) {}

  get(): StorageFault | null {
    return this.fault;
  }

  /** A fault the studio met writing (here or in a git step): shown until a write succeeds; the same one again is no news. */
  report(err: StorageFaultError): void {
    if (this.fault?.reason === err.reason && this.fault.path === err.path) return;
    this.fault = { reason: err.reason, path: err.path, message: err.advice, since: new Date().toISOString() };
    this.bus.emit({ type: 'storage.fault', fault: this.fault });
  }

  wrote(): void {
    if (!this.fault) return;
    this.fault = null;
    this.bus.emit({ type: 'storage.recovered' });
  }

  /** Takes the reports of writes under `dir` (the workspace's `.opencode-studio/`) until the returned function is called. */
  watch(dir: string): () => void {
    const entry = { dir: `${dir}${path.sep}`, health: this };
    watched.add(entry);
    return () => watched.delete(entry);
  }

  get workspaceRoot(): string {
    return this.root;
  }
}

const watched = new Set<{ dir: string; health: StorageHealth }>();

function healthsOf(file: string): StorageHealth[] {
  const found: StorageHealth[] = [];
  for (const { dir, health } of watched) if (file.startsWith(dir)) found.push(health);
  return found;
}

/**
 * Runs one write to `file`: a storage failure becomes a StorageFaultError naming the path
 * (relative to the repository) and is reported; a success clears a reported fault.
 */
export async function observedWrite<T>(file: string, write: () => Promise<T>): Promise<T> {
  let result: T;
  try {
    result = await write();
  } catch (err) {
    throw faulted(file, err);
  }
  for (const health of healthsOf(file)) health.wrote();
  return result;
}

export function observedWriteSync<T>(file: string, write: () => T): T {
  let result: T;
  try {
    result = write();
  } catch (err) {
    throw faulted(file, err);
  }
  for (const health of healthsOf(file)) health.wrote();
  return result;
}

/**
 * The error of a failed fs call on `file`: a StorageFaultError (reported) for a storage reason,
 * else `err` itself. For calls whose success proves nothing about the disk (an open, a mkdir -p).
 */
export function faulted(file: string, err: unknown): unknown {
  const healths = healthsOf(file);
  const fault = storageFault(err, file, healths[0]?.workspaceRoot);
  if (!fault) return err;
  for (const health of healths) health.report(fault);
  return fault;
}
