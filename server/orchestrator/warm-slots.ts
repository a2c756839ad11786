import { type FSWatcher, watch } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Config } from '../../shared/config.js';
import type { Task } from '../../shared/task.js';
import { SlotState } from '../../shared/task-env.js';
import { errorMessage } from '../errors.js';
import type { EventBus } from '../events/event-bus.js';
import type { Repo } from '../git/repo.js';
import {
  addDetachedWorktree,
  branchHere,
  contentOf,
  moveDetached,
  refreshIndex,
  removeSpare,
  worktreeParent,
} from '../git/slot-worktrees.js';
import { findWorktree } from '../git/worktree-list.js';
import type { WorkspacePaths } from '../store/paths.js';
import { readRuntimeJson, writeRuntimeJson } from '../store/runtime-json.js';
import type { StudioStore } from '../store/studio-store.js';
import { Ports } from './ports.js';
import type { ProcessGroups } from './process-groups.js';
import { forgetSetup, prepareWorktree } from './worktree-setup.js';

const SlotRecord = SlotState.extend({
  /** Fingerprint of the `worktreeSetupInputs` files the setup last ran with. */
  inputs: z.string().nullable(),
  /** The setup settings it last ran with: a change to them makes the spare stale. */
  setup: z.string().nullable(),
});
type SlotRecord = z.infer<typeof SlotRecord>;
const SlotFile = z.object({ next: z.number().int().min(1), slots: z.array(SlotRecord) });
type SlotFile = z.infer<typeof SlotFile>;

export interface WarmSlotsDeps {
  repo: Repo;
  store: StudioStore;
  bus: EventBus;
  ports: Ports;
  groups: ProcessGroups;
  /** The lock every command that changes the shared .git takes. */
  gitLock: <T>(work: () => Promise<T>) => Promise<T>;
  /** True while tasks wait for, or hold every one of, the `maxParallel` agent slots: no refill then. */
  shortOfAgents: () => boolean;
  /** Whether this user trusts the repository's settings: a spare's setup runs the repository's commands. */
  trusted: () => Promise<boolean>;
  /**
   * True while a task makes or sets up its own worktree: a refill's checkout and setup wait for it
   * (`afterForeground`), so that a Start without a ready spare does not share the disk with one.
   */
  foreground: () => boolean;
  /** True while any agent phase runs: a spare's OpenCode warm-up waits for a quiet moment (see `warmWhenQuiet`). */
  phasesRunning: () => boolean;
  /** Starts OpenCode's instance for a directory, when OpenCode is ready: false when it is not. */
  warm: (dir: string) => Promise<boolean>;
  /** The longest a warm-up waits for no phase to run (default WARM_WAIT_MS). */
  warmWaitMs?: number;
  log: (line: string) => void;
  /** How often the base branch is checked when the file watch cannot see it move. */
  pollMs?: number;
}

const OUTPUT_CHARS = 4_000;
/** A spare's OpenCode warm-up waits at most this long for a moment when no phase runs. */
const WARM_WAIT_MS = 60_000;
const QUIET_POLL_MS = 250;
/** A refill waits at most this long for tasks to finish making their own worktrees. */
const FOREGROUND_WAIT_MS = 60_000;

/**
 * Spare worktrees at the tip of the base branch, on a detached HEAD, with `worktreeSetup` run and
 * `worktreeCopy` applied, kept ready for the next Start (config `warmSlots`). Refilled in the
 * background one at a time, on spare CPU time (`backgroundPrefix`); brought to the new tip when
 * the base moves; recorded in `runtime/slots.json`, so they outlive a restart. Only a `ready` spare at the current tip is
 * ever handed to a task.
 */
export class WarmSlots {
  private file: SlotFile = { next: 1, slots: [] };
  private loaded: Promise<void> | null = null;
  private working: Promise<void> | null = null;
  private again = false;
  private closed = false;
  private readonly stop = new AbortController();
  private readonly watchers: FSWatcher[] = [];
  private timer: NodeJS.Timeout | null = null;
  private debounce: NodeJS.Timeout | null = null;
  private saving: Promise<void> = Promise.resolve();

  constructor(private readonly d: WarmSlotsDeps) {}

  /** Loads the slots a previous run left, drops half-made ones, and starts keeping them ready. */
  begin(): void {
    this.loaded ??= this.load().catch((err) => this.d.log(`could not read the warm slots: ${errorMessage(err)}`));
    this.watchBase();
    this.timer = setInterval(() => this.pump(), this.d.pollMs ?? 15_000);
    this.timer.unref();
    this.pump();
  }

  /**
   * The spares as the settings panel shows them. A ready one set up under other settings (changed
   * while it was set up) is never handed out and is about to be replaced: it shows as updating.
   */
  list(): SlotState[] {
    const key = setupKey(this.config());
    return this.file.slots.map(({ inputs: _i, setup, ...state }) =>
      state.state === 'ready' && setup !== key ? { ...state, state: 'updating' } : state,
    );
  }

  /** Asks for a round of upkeep (fill, update, drop); rounds never overlap. */
  pump(): void {
    if (this.closed || !this.loaded) return;
    if (this.working) {
      this.again = true;
      return;
    }
    this.working = (async () => {
      await this.loaded;
      do {
        this.again = false;
        await this.round().catch((err) => console.error(`warm slots: ${errorMessage(err)}`));
      } while (this.again && !this.closed);
    })().finally(() => {
      this.working = null;
    });
  }

  /** Settles once no round is under way (for tests and the bench). */
  async idle(): Promise<void> {
    while (this.working) await this.working;
  }

  /**
   * Turns a ready spare at the base tip into the task's worktree: the task branch is created
   * there and the slot's port goes with it. Null when none is ready, so Start works as before.
   */
  async claim(task: Task, branch: string): Promise<string | null> {
    const config = this.config();
    if (config.warmSlots === 0 || !this.loaded) return null;
    await this.loaded;
    const [tip, existing] = await this.d.repo.branchHeads([config.baseBranch, branch]);
    if (!tip || existing) return null;
    const slot = this.file.slots.find((s) => s.state === 'ready' && s.base === tip && s.setup === setupKey(config));
    if (!slot) return null;
    // Out of the list before the first await: a round running meanwhile cannot touch it.
    this.file.slots = this.file.slots.filter((s) => s !== slot);
    try {
      await this.d.gitLock(() => branchHere(slot.dir, branch));
    } catch (err) {
      this.d.log(`could not hand ${slot.name} to "${task.title}": ${errorMessage(err)}`);
      await this.d.gitLock(() => removeSpare(this.d.repo, slot.dir)).catch(() => undefined);
      await this.d.ports.release(slot.name);
      await this.save();
      this.pump();
      return null;
    }
    await this.d.ports.transfer(slot.name, task.id);
    await this.save();
    this.pump();
    return slot.dir;
  }

  /** OpenCode (re)started: the ready spares' instances are started again, so the next Start finds them up. */
  warmAll(): void {
    for (const slot of this.file.slots)
      if (slot.state === 'ready')
        void this.d.warm(slot.dir).then(async (warmed) => {
          if (warmed) await this.markWarmed(slot);
        });
  }

  private async markWarmed(slot: SlotRecord): Promise<void> {
    if (slot.warmed || !this.file.slots.includes(slot)) return;
    slot.warmed = true;
    await this.save();
  }

  /** Removes every spare (the CLI's `slots --clear`, or warmSlots turned down). */
  async clear(): Promise<void> {
    await this.loaded;
    for (const slot of [...this.file.slots]) await this.drop(slot);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stop.abort(new Error('the studio is shutting down'));
    for (const w of this.watchers.splice(0)) w.close();
    if (this.timer) clearInterval(this.timer);
    if (this.debounce) clearTimeout(this.debounce);
    await this.idle();
  }

  private config(): Config {
    return this.d.store.config.get();
  }

  private async load(): Promise<void> {
    this.file = await readSlotFile(this.d.store.paths);
    // This process's OpenCode has not seen them yet (warmAll warms them once it is ready).
    for (const slot of this.file.slots) slot.warmed = false;
    for (const slot of [...this.file.slots]) {
      const entry = await findWorktree(this.d.repo, slot.dir);
      const whole = slot.state === 'ready' || slot.state === 'failed';
      if (whole && entry && !entry.prunable && entry.branch === null) continue;
      if (entry?.branch) {
        // A task took it just before a kill: the worktree is the task's now.
        this.file.slots = this.file.slots.filter((s) => s !== slot);
        continue;
      }
      // Killed while it was being set up or updated: half-made, so it is removed, never handed out.
      this.d.log(`removing the half-made warm slot ${slot.name}`);
      await this.drop(slot);
    }
    await this.save();
  }

  /** One unit of upkeep at a time: drop what is too many or stale, update one spare, or fill one. */
  private async round(): Promise<void> {
    for (;;) {
      if (this.closed) return;
      // Read afresh each step: the settings or the base may change while a setup runs.
      const config = this.config();
      const [tip] = await this.d.repo.branchHeads([config.baseBranch]);
      const key = setupKey(config);
      const slots = this.file.slots;
      if (slots.length > config.warmSlots) {
        await this.drop(slots.find((s) => s.state !== 'ready') ?? slots[slots.length - 1]!);
        continue;
      }
      if (!tip || this.d.shortOfAgents()) return;
      // Nothing from the repository runs before its settings are trusted (config.updated pumps again).
      if (config.worktreeSetup.length > 0 && !(await this.d.trusted())) return;
      // A change of worktreeSetup or worktreeCopy: the spare is set up afresh.
      const stale = slots.find((s) => s.setup !== key);
      if (stale) {
        await this.drop(stale);
        continue;
      }
      const behind = slots.find((s) => s.base !== tip && (s.state === 'ready' || s.state === 'failed'));
      if (behind) {
        await this.update(behind, tip);
        continue;
      }
      if (slots.length < config.warmSlots) {
        await this.fill(tip);
        continue;
      }
      return;
    }
  }

  private async fill(tip: string): Promise<void> {
    const config = this.config();
    const name = `slot-${this.file.next}`;
    const slot: SlotRecord = {
      name,
      dir: path.join(worktreeParent(this.d.repo.root, config.worktreeDir), name),
      state: 'setting-up',
      base: null,
      output: null,
      warmed: false,
      inputs: null,
      setup: setupKey(config),
    };
    this.file.next += 1;
    this.file.slots.push(slot);
    // Recorded before git makes the folder: a kill in between leaves a slot the next start removes.
    await this.save();
    try {
      await this.afterForeground();
      await addDetachedWorktree(this.d.repo, slot.dir, tip, this.d.gitLock);
      slot.base = tip;
      await this.setUp(slot, tip, Date.now());
    } catch (err) {
      await this.failed(slot, err);
    }
  }

  private async update(slot: SlotRecord, tip: string): Promise<void> {
    const config = this.config();
    const wasFailed = slot.state === 'failed';
    slot.state = 'updating';
    slot.warmed = false;
    slot.output = null;
    await this.save();
    try {
      await this.afterForeground();
      await moveDetached(slot.dir, tip);
      const checkedOutAt = Date.now();
      slot.base = tip;
      const inputs = await contentOf(this.d.repo, tip, config.worktreeSetupInputs);
      const rerun = wasFailed || config.worktreeSetupInputs.length === 0 || inputs !== slot.inputs;
      if (rerun) await forgetSetup(slot.dir);
      await this.setUp(slot, tip, checkedOutAt);
    } catch (err) {
      await this.failed(slot, err);
    }
  }

  /**
   * `worktreeCopy` and `worktreeSetup` (skipped when already done for this checkout), the index
   * refreshed (`checkedOutAt`: when git last wrote the files), then OpenCode's instance.
   */
  private async setUp(slot: SlotRecord, tip: string, checkedOutAt: number): Promise<void> {
    const config = this.config();
    const port = await this.d.ports.assign(slot.name);
    let output = '';
    await this.afterForeground();
    await prepareWorktree({
      root: this.d.repo.root,
      dir: slot.dir,
      taskId: '',
      phase: 'planning',
      commands: config.worktreeSetup,
      copy: config.worktreeCopy,
      signal: this.stop.signal,
      emit: (entry) => {
        if (entry.kind === 'output') output = (output + entry.text).slice(-OUTPUT_CHARS);
      },
      progress: () => {},
      env: { PORT: String(port) },
      groups: this.d.groups,
      background: true,
    });
    await refreshIndex(slot.dir, checkedOutAt, this.stop.signal);
    slot.inputs = await contentOf(this.d.repo, tip, config.worktreeSetupInputs);
    slot.setup = setupKey(config);
    slot.state = 'ready';
    slot.output = null;
    await this.save();
    // Not awaited: the next round (a base that moved, settings that changed) does not wait for it.
    void this.warmWhenQuiet(slot);
  }

  /**
   * Waits while a task makes or sets up its own worktree (at most `FOREGROUND_WAIT_MS`): a cold
   * Start's checkout and `npm ci` go first, rather than share the disk and the page cache with a
   * spare's. Background CPU priority cannot give way on the disk.
   */
  private async afterForeground(): Promise<void> {
    await this.waitWhile(
      () => this.d.foreground(),
      FOREGROUND_WAIT_MS,
      () => !this.closed,
    );
  }

  /** Looks every QUIET_POLL_MS while `busy` and `wanted` hold, for at most `maxMs`. */
  private async waitWhile(busy: () => boolean, maxMs: number, wanted: () => boolean): Promise<void> {
    const until = Date.now() + maxMs;
    while (busy() && Date.now() < until && wanted()) await new Promise((r) => setTimeout(r, QUIET_POLL_MS));
  }

  /**
   * Starts OpenCode's instance for the spare, so that the first phase there does not wait for it
   * (its file index, its providers). That work runs inside the one OpenCode process, which
   * `backgroundPrefix` cannot reach: it waits for a moment when no phase runs, for up to
   * `warmWaitMs`, so that a refill does not slow the phases under way. A spare a task took meanwhile is warmed by its phase.
   */
  private async warmWhenQuiet(slot: SlotRecord): Promise<void> {
    const wanted = () => !this.closed && this.file.slots.includes(slot) && slot.state === 'ready';
    await this.waitWhile(() => this.d.phasesRunning(), this.d.warmWaitMs ?? WARM_WAIT_MS, wanted);
    if (!wanted()) return;
    if (await this.d.warm(slot.dir).catch(() => false)) await this.markWarmed(slot);
  }

  private async failed(slot: SlotRecord, err: unknown): Promise<void> {
    if (this.closed) return; // a setup cut short by the shutdown: the next start removes the slot
    slot.state = 'failed';
    slot.output = errorMessage(err).slice(-OUTPUT_CHARS);
    this.d.log(`the warm slot ${slot.name} could not be set up: ${slot.output.split('\n')[0]}`);
    await this.save();
  }

  private async drop(slot: SlotRecord): Promise<void> {
    this.file.slots = this.file.slots.filter((s) => s !== slot);
    await this.d
      .gitLock(() => removeSpare(this.d.repo, slot.dir))
      .catch((err) => {
        this.d.log(`could not remove the warm slot ${slot.dir}: ${errorMessage(err)}`);
      });
    await this.d.ports.release(slot.name);
    await this.save();
  }

  /** Writes slots.json one save at a time, each with the slots as they are when it runs: the last write is the newest. */
  private async save(): Promise<void> {
    const write = this.saving.then(() => writeRuntimeJson(this.d.store.paths.slots, this.file));
    this.saving = write.catch(() => undefined);
    await write;
    this.d.bus.emit({ type: 'slots.updated', slots: this.list() });
  }

  /** A commit on the base moves a ref file in the repo's git folder: look again soon after. */
  private watchBase(): void {
    void (async () => {
      const common = (await this.d.repo.git.raw(['rev-parse', '--git-common-dir'])).trim();
      const gitDir = path.resolve(this.d.repo.root, common);
      const base = () => this.config().baseBranch;
      const places: Array<[string, (name: string) => boolean]> = [
        [gitDir, (name) => name === 'packed-refs'],
        [path.join(gitDir, 'refs', 'heads'), (name) => name === base().split('/')[0]],
      ];
      for (const [dir, matters] of places) {
        if (this.closed) return;
        try {
          const w = watch(dir, (_event, name) => {
            if (name && matters(String(name))) this.soon();
          });
          w.on('error', () => w.close());
          this.watchers.push(w);
        } catch {
          // no watch there: the timer still looks every pollMs
        }
      }
    })().catch(() => undefined);
  }

  private soon(): void {
    if (this.debounce || this.closed) return;
    this.debounce = setTimeout(() => {
      this.debounce = null;
      this.pump();
    }, 300);
  }
}

/**
 * `opencode-studio slots --clear`, with no studio running: removes every spare worktree the
 * studio recorded and frees their ports. Returns the folders removed.
 */
export async function clearSlotsOffline(repo: Repo, paths: WorkspacePaths): Promise<string[]> {
  const file = await readSlotFile(paths);
  const ports = new Ports(paths.ports, () => [0, 0]);
  for (const slot of file.slots) {
    await removeSpare(repo, slot.dir);
    await ports.release(slot.name);
  }
  await writeRuntimeJson(paths.slots, { next: file.next, slots: [] });
  return file.slots.map((s) => s.dir);
}

export function readSlotFile(paths: WorkspacePaths): Promise<SlotFile> {
  return readRuntimeJson(paths.slots, SlotFile, { next: 1, slots: [] });
}

/** The settings a spare's setup depends on, besides the inputs' content. */
function setupKey(config: Config): string {
  return JSON.stringify([config.worktreeSetup, config.worktreeCopy, config.worktreeDir]);
}
