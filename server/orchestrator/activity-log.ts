import fs from 'node:fs/promises';
import path from 'node:path';
import { ActivityEntry } from '../../shared/activity.js';
import type { EventBus } from '../events/event-bus.js';
import type { WorkspacePaths } from '../store/paths.js';

/** `runtime/activity/<id>.jsonl`: append-only, one entry per line, streamed as `activity.appended`. */
export class ActivityLog {
  private readonly queues = new Map<string, Promise<void>>();

  constructor(
    private readonly paths: WorkspacePaths,
    private readonly bus: EventBus,
  ) {}

  append(taskId: string, entry: ActivityEntry): void {
    this.bus.emit({ type: 'activity.appended', taskId, entry });
    const file = this.paths.activity(taskId);
    const previous = this.queues.get(taskId) ?? fs.mkdir(path.dirname(file), { recursive: true }).then(() => undefined);
    const next = previous
      .then(() => fs.appendFile(file, `${JSON.stringify(entry)}\n`))
      .catch((err) => console.error(`activity log ${taskId}:`, err));
    this.queues.set(taskId, next);
  }

  async read(taskId: string): Promise<ActivityEntry[]> {
    await this.queues.get(taskId);
    let text: string;
    try {
      text = await fs.readFile(this.paths.activity(taskId), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const entries: ActivityEntry[] = [];
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      const parsed = ActivityEntry.safeParse(safeJson(line));
      if (parsed.success) entries.push(parsed.data);
    }
    return entries;
  }

  async remove(taskId: string): Promise<void> {
    await this.queues.get(taskId);
    this.queues.delete(taskId);
    await fs.rm(this.paths.activity(taskId), { force: true });
  }

  async flush(): Promise<void> {
    await Promise.all(this.queues.values());
  }
}

function safeJson(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return null;
  }
}
