import fs from 'node:fs/promises';
import path from 'node:path';
import { ActivityEntry } from '../../shared/activity.js';
import { collapseActivity } from '../../shared/activity-rows.js';
import type { StorageFaultReason } from '../../shared/errors.js';
import type { EventBus } from '../events/event-bus.js';
import { StorageFaultError } from '../lib/storage-fault.js';
import { appendLine, makeDir, readTextOrNull, writeFileAtomic } from './atomic-file.js';
import { KeyedLock } from './keyed-lock.js';
import type { WorkspacePaths } from './paths.js';

/** Activity logs grow with a run; far past any other file the studio reads, but still bounded. */
const MAX_LOG_BYTES = 64 * 1024 * 1024;
/** Logs kept parsed in memory (the most recently used): opening a drawer does not parse 20,000 lines again. */
const CACHED_LOGS = 4;

export type ActivityLimits = {
  /** A log is compacted once it passes this size and twice its size after the last compaction. */
  compactAtBytes: number;
  /** What a compacted log keeps at most; the oldest rows go first. The file stays under twice this. */
  keepBytes: number;
  /** One `activity.appended` per task per window at most; what comes in between waits and goes as one. */
  eventWindowMs: number;
  /** Entries in one event at most, so a burst does not become one huge WebSocket message. */
  eventEntries: number;
};

export const ACTIVITY_LIMITS: ActivityLimits = {
  compactAtBytes: 4 * 1024 * 1024,
  keepBytes: 8 * 1024 * 1024,
  eventWindowMs: 250,
  eventEntries: 1000,
};

/** Rare entries that mark a moment (a phase boundary, a failure, a question): they go out at once, with what waits. */
const AT_ONCE = new Set<ActivityEntry['kind']>(['phase', 'error', 'request', 'note']);

/** The Activity tab's rows and the bus cursor they are current with (`ActivityLog.rows`); `asOf` is null without an event stream. */
export type ActivityRowsRead = { rows: readonly ActivityEntry[]; asOf: string | null };

type Stream = { pending: ActivityEntry[]; timer: NodeJS.Timeout | null; last: number };

/**
 * `runtime/activity/<id>.jsonl`: one entry per line, appended, and streamed as `activity.appended`.
 * A task's entries go out at most once per window (the first at once), so an agent writing
 * thousands of parts costs every tab a few messages a second. The file is compacted to the rows
 * the drawer shows (`collapseActivity`: one per tool call, with its latest state) once it grows.
 * Disk access goes through the store's primitives (no link followed) under its one lock.
 */
export class ActivityLog {
  private readonly lock = new KeyedLock();
  private readonly streams = new Map<string, Stream>();
  /** Entries waiting for the lock, per task: a burst of appends is one write. */
  private readonly queued = new Map<string, ActivityEntry[]>();
  /** What the file holds, parsed, for the logs read or started lately; kept in step under the lock. */
  private readonly cache = new Map<string, ActivityEntry[]>();
  /** The drawer's rows of a cached log, with the entries they were collapsed from (that array, and how many of it). */
  private readonly rowCache = new Map<string, { of: ActivityEntry[]; count: number; rows: ActivityEntry[] }>();
  /** A log's size after its last compaction in this run. */
  private readonly compacted = new Map<string, number>();
  /** The storage fault that last refused an append, until one succeeds. */
  private refused: StorageFaultReason | null = null;

  constructor(
    private readonly paths: WorkspacePaths,
    private readonly bus: EventBus,
    private readonly limits: ActivityLimits = ACTIVITY_LIMITS,
  ) {}

  append(taskId: string, entry: ActivityEntry): void {
    this.publish(taskId, entry);
    const queued = this.queued.get(taskId);
    if (queued) {
      queued.push(entry);
      return;
    }
    const batch = [entry];
    this.queued.set(taskId, batch);
    void this.lock
      .run(taskId, async () => {
        if (this.queued.get(taskId) === batch) this.queued.delete(taskId);
        await this.write(taskId, batch);
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

  /** Every entry, in order; what it returns has been announced on the bus before. */
  read(taskId: string): Promise<ActivityEntry[]> {
    this.announce(taskId);
    return this.lock.run(taskId, async () => (this.cached(taskId) ?? (await this.load(taskId))).slice());
  }

  /**
   * The rows the Activity tab shows (`collapseActivity` of every entry), kept with the cached log:
   * a read collapses only what was appended since the last one (collapsing is associative). Read only.
   * `asOf` is the bus cursor the rows are current with: every `activity.appended` of the task up to
   * it is in them and none after it, so a board that gets events while it asks can tell which add
   * to the rows. The entries still waiting for the lock count in, and the cursor is taken with
   * them in one step.
   */
  rows(taskId: string): Promise<ActivityRowsRead> {
    this.announce(taskId);
    return this.lock.run(taskId, async () => {
      const rows = this.keptRows(taskId, this.cached(taskId) ?? (await this.load(taskId)));
      const waiting = this.queued.get(taskId) ?? [];
      this.announce(taskId);
      const asOf = this.bus.cursor;
      return { rows: waiting.length > 0 ? collapseActivity([...rows, ...waiting]) : rows, asOf };
    });
  }

  private keptRows(taskId: string, entries: ActivityEntry[]): readonly ActivityEntry[] {
    const known = this.rowCache.get(taskId);
    if (known?.of === entries && known.count === entries.length) return known.rows;
    const rows =
      known?.of === entries ? collapseActivity([...known.rows, ...entries.slice(known.count)]) : collapseActivity(entries);
    this.rowCache.set(taskId, { of: entries, count: entries.length, rows });
    return rows;
  }

  remove(taskId: string): Promise<void> {
    this.announce(taskId);
    this.streams.delete(taskId);
    // Appends queued before the removal are written, then removed; later ones start a new log.
    this.queued.delete(taskId);
    this.compacted.delete(taskId);
    this.cache.delete(taskId);
    this.rowCache.delete(taskId);
    const file = this.paths.activity(taskId);
    return this.lock.run(taskId, () => fs.rm(file, { force: true }));
  }

  flush(): Promise<void> {
    for (const taskId of this.streams.keys()) this.announce(taskId);
    return this.lock.idle();
  }

  private publish(taskId: string, entry: ActivityEntry): void {
    const stream = this.streams.get(taskId) ?? { pending: [], timer: null, last: Number.NEGATIVE_INFINITY };
    this.streams.set(taskId, stream);
    stream.pending.push(entry);
    const wait = stream.last + this.limits.eventWindowMs - Date.now();
    if (wait <= 0 || AT_ONCE.has(entry.kind)) this.announce(taskId);
    else stream.timer ??= setTimeout(() => this.announce(taskId), wait).unref();
  }

  /** Emits the task's waiting entries now, in events of at most `eventEntries`. */
  private announce(taskId: string): void {
    const stream = this.streams.get(taskId);
    if (!stream) return;
    if (stream.timer) clearTimeout(stream.timer);
    stream.timer = null;
    if (stream.pending.length === 0) return;
    stream.last = Date.now();
    const entries = stream.pending.splice(0);
    for (let i = 0; i < entries.length; i += this.limits.eventEntries)
      this.bus.emit({ type: 'activity.appended', taskId, entries: entries.slice(i, i + this.limits.eventEntries) });
  }

  private async write(taskId: string, batch: ActivityEntry[]): Promise<void> {
    const file = this.paths.activity(taskId);
    await makeDir(path.dirname(file));
    const text = batch.map((entry) => JSON.stringify(entry)).join('\n');
    const size = await appendLine(file, text);
    const cached = this.cached(taskId);
    // A new file holds just this batch: its cache starts here.
    if (size === Buffer.byteLength(text) + 1) this.remember(taskId, batch.slice());
    else cached?.push(...batch);
    if (size > Math.max(this.limits.compactAtBytes, 2 * (this.compacted.get(taskId) ?? 0))) await this.compact(taskId);
  }

  /** Rewrites the log as the rows the drawer shows, whole or not at all; under the task's lock. */
  private async compact(taskId: string): Promise<void> {
    const rows = keepNewest(collapseActivity(this.cached(taskId) ?? (await this.load(taskId))), this.limits.keepBytes);
    const text = rows.map((row) => `${JSON.stringify(row)}\n`).join('');
    await writeFileAtomic(this.paths.activity(taskId), text, 0o600);
    this.compacted.set(taskId, Buffer.byteLength(text));
    this.remember(taskId, rows);
  }

  private cached(taskId: string): ActivityEntry[] | undefined {
    const entries = this.cache.get(taskId);
    if (entries) this.remember(taskId, entries);
    return entries;
  }

  private remember(taskId: string, entries: ActivityEntry[]): void {
    this.cache.delete(taskId);
    this.cache.set(taskId, entries);
    for (const oldest of this.cache.keys())
      if (this.cache.size > CACHED_LOGS) {
        this.cache.delete(oldest);
        this.rowCache.delete(oldest);
      }
  }

  private async load(taskId: string): Promise<ActivityEntry[]> {
    const text = await readTextOrNull(this.paths.activity(taskId), MAX_LOG_BYTES);
    const entries: ActivityEntry[] = [];
    for (const line of (text ?? '').split('\n')) {
      if (!line.trim()) continue;
      const parsed = ActivityEntry.safeParse(safeJson(line));
      if (parsed.success) entries.push(parsed.data);
    }
    this.remember(taskId, entries);
    return entries;
  }
}

/**
 * The newest rows that fit in `maxBytes`, after one note saying how many older rows were dropped
 * (in all: an earlier compaction's note is folded into it).
 */
export function keepNewest(rows: ActivityEntry[], maxBytes: number): ActivityEntry[] {
  const first = rows[0];
  const before = first?.kind === 'note' && first.dropped ? first.dropped : 0;
  const rest = before ? rows.slice(1) : rows;
  let start = rest.length;
  // Room for the note itself.
  for (let bytes = 256; start > 0; start -= 1) {
    bytes += Buffer.byteLength(JSON.stringify(rest[start - 1])) + 1;
    if (bytes > maxBytes) break;
  }
  if (start === 0) return rows;
  const dropped = before + start;
  const note: ActivityEntry = {
    kind: 'note',
    at: rest[start - 1]!.at,
    text: `${dropped} earlier activity rows were dropped to keep this log small`,
    dropped,
  };
  return [note, ...rest.slice(start)];
}

function safeJson(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return null;
  }
}
