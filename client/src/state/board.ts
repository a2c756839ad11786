import { createMemo, createRoot, createSignal } from 'solid-js';
import { createStore, reconcile, type SetStoreFunction } from 'solid-js/store';
import type { Task, TaskStatus } from '../../../shared/task.js';
import { COLUMNS } from '../lib/columns.js';
import { taskFilter } from './filter.js';

/**
 * The board's tasks. Every task is kept as a plain object, replaced when it changes: the columns
 * are sorted and searched over these, with no reactive bookkeeping per field, so loading 2,000
 * tasks or moving one card costs a loop and a sort. Only the tasks somebody shows (the cards on
 * screen, the drawer) get a fine-grained Solid store (`liveTask`), kept equal to the plain one.
 */
const current = new Map<string, Task>();
const live = new Map<string, [Task, SetStoreFunction<Task>]>();
// Bumped when a task comes or goes, or a field the columns sort, group or search by changes.
const [layout, setLayout] = createSignal(0);
// Bumped on every change of any task, for the few views over all of them (the needs-you count).
const [changed, setChanged] = createSignal(0);
const [loaded, setLoaded] = createSignal(false);

export { loaded };

const bump = () => setLayout((n) => n + 1);
const touch = () => setChanged((n) => n + 1);

/** The fields the columns (their follow-up counts, the needs-you filter) depend on: a change elsewhere (usage, dates) leaves them alone. */
function samePlace(a: Task, b: Task): boolean {
  return (
    a.status === b.status &&
    a.order === b.order &&
    a.title === b.title &&
    a.description === b.description &&
    a.createdAt === b.createdAt &&
    a.parent === b.parent &&
    a.run?.state === b.run?.state &&
    a.labels.length === b.labels.length &&
    a.labels.every((l, i) => l === b.labels[i])
  );
}

function put(task: Task): boolean {
  const before = current.get(task.id);
  current.set(task.id, task);
  // The store gets its own copy: reconcile moves objects from what it is given into the store and edits them later.
  live.get(task.id)?.[1](reconcile(structuredClone(task)));
  // After the map holds the task: outside a batch, what reads it runs at once.
  touch();
  return !before || !samePlace(before, task);
}

export function replaceTasks(list: Task[]): void {
  const gone = new Set(current.keys());
  for (const task of list) {
    gone.delete(task.id);
    put(task);
  }
  for (const id of gone) {
    current.delete(id);
    live.delete(id);
  }
  touch();
  bump();
  setLoaded(true);
}

export function upsertTask(task: Task): void {
  if (put(task)) bump();
}

export function removeTask(id: string): void {
  if (!current.delete(id)) return;
  live.delete(id);
  bump();
  touch();
}

export function placeTask(id: string, status: TaskStatus, order: number): void {
  const task = current.get(id);
  if (task) upsertTask({ ...task, status, order });
}

/** Every task as it is now (plain); tracks any change to any of them. */
export function allTasks(): Task[] {
  changed();
  return [...current.values()];
}

/** The task as it is now, plain and untracked (for a decision, not for display). */
export function currentTask(id: string): Task | undefined {
  return current.get(id);
}

/**
 * The task as a fine-grained store, the same object for as long as the task exists: reading
 * `task.title` in a component updates with the title alone. Tracks the task coming and going.
 */
export function liveTask(id: string): Task | undefined {
  layout();
  return storeOf(id);
}

/** `liveTask` without tracking: for a list that already follows the columns. */
export function storeOf(id: string): Task | undefined {
  const task = current.get(id);
  if (!task) return undefined;
  let entry = live.get(id);
  if (!entry) {
    entry = createStore(structuredClone(task));
    live.set(id, entry);
  }
  return entry[0];
}

function byOrder(a: Task, b: Task): number {
  return a.order - b.order || a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id);
}

type Columns = {
  shown: Record<TaskStatus, Task[]>;
  total: Record<TaskStatus, number>;
  labels: string[];
  /** How many tasks name each task as their parent (follow-ups an agent split off). */
  followUps: Record<string, number>;
};

function empty<T>(make: () => T): Record<TaskStatus, T> {
  return Object.fromEntries(COLUMNS.map((c) => [c, make()])) as Record<TaskStatus, T>;
}

function sameList(a: readonly Task[], b: readonly Task[]): boolean {
  return a.length === b.length && a.every((t, i) => t === b[i]);
}

/**
 * Every column's cards (plain tasks) in board order, after the search; recomputed when a task
 * comes, goes or changes place or searched text. A column whose cards did not change keeps its
 * array, so its list does not redraw.
 */
export const columns = createRoot(() =>
  createMemo<Columns>((previous) => {
    layout();
    const keep = taskFilter();
    const shown = empty<Task[]>(() => []);
    const total = empty(() => 0);
    const labels = new Set<string>();
    const followUps: Record<string, number> = {};
    for (const task of current.values()) {
      total[task.status]++;
      if (task.parent) followUps[task.parent] = (followUps[task.parent] ?? 0) + 1;
      for (const l of task.labels) labels.add(l);
      if (keep(task)) shown[task.status].push(task);
    }
    for (const c of COLUMNS) {
      shown[c].sort(byOrder);
      const before = previous?.shown[c];
      if (before && sameList(before, shown[c])) shown[c] = before;
    }
    return { shown, total, labels: [...labels].sort(), followUps };
  }),
);
