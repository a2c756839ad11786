import fs from 'node:fs/promises';
import path from 'node:path';
import { ActivityEntry } from '../../shared/activity.js';
import type { StorageFaultReason } from '../../shared/errors.js';
import type { EventBus } from '../events/event-bus.js';
import { StorageFaultError } from '../lib/storage-fault.js';
import { appendLine, makeDir, readTextOrNull } from './atomic-file.js';
import { KeyedLock } from './keyed-lock.js';
import type { WorkspacePaths } from './paths.js';

/** Activity logs grow with a run; far past any other file the studio reads, but still bounded. */
const MAX_LOG_BYTES = 64 * 1024 * 1024;

/**
 * `runtime/activity/<id>.jsonl`: append-only, one entry per line, streamed as `activity.appended`.
 * Disk access goes through the store's primitives (no link followed) under its one lock.
 */
export class ActivityLog {
  private readonly lock = new KeyedLock();
  /** The storage fault that last refused an append, until one succeeds. */
  private refused: StorageFaultReason | null = null;

  constructor(
    private readonly paths: WorkspacePaths,
    private readonly bus: EventBus,
  ) {}

  append(taskId: string, entry: ActivityEntry): void {
    this.bus.emit({ type: 'activity.appended', taskId, entry });
    const file = this.paths.activity(taskId);
    void this.lock
      .run(taskId, async () => {
        await makeDir(path.dirname(file));
        await appendLine(file, JSON.stringify(entry));
        this.refused = null;
      })
      .catch((err) => this.failed(taskId, err));
  }

  /**
   * An entry that did not reach the file still reached every board (the event went first). A
   * full or read-only disk refuses every append of a busy phase: said once (the store's storage
   * health shows it on the board), not once per line.
   */
  private failed(taskId: string, err: unknown): void {
    if (err instanceof StorageFaultError) {
      if (this.refused === err.reason) return;
      this.refused = err.reason;
      console.error(`activity log: ${err.message} (entries are shown but not kept until then)`);
      return;
    }
    console.error(`activity log ${taskId}:`, err);
  }

  read(taskId: string): Promise<ActivityEntry[]> {
    const file = this.paths.activity(taskId);
    return this.lock.run(taskId, async () => {
      const text = await readTextOrNull(file, MAX_LOG_BYTES);
      const entries: ActivityEntry[] = [];
      for (const line of (text ?? '').split('\n')) {
        if (!line.trim()) continue;
        const parsed = ActivityEntry.safeParse(safeJson(line));
        if (parsed.success) entries.push(parsed.data);
      }
      return entries;
    });
  }

  remove(taskId: string): Promise<void> {
    const file = this.paths.activity(taskId);
    return this.lock.run(taskId, () => fs.rm(file, { force: true }));
  }

  flush(): Promise<void> {
    return this.lock.idle();
  }
}

function safeJson(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return null;
  }
}
