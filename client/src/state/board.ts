import { createMemo, createRoot, createSignal } from 'solid-js';
import { createStore, produce, reconcile } from 'solid-js/store';
import type { Task, TaskStatus } from '../../../shared/task.js';
import { COLUMNS } from '../lib/columns.js';
import { taskFilter } from './filter.js';

const [tasks, setTasks] = createStore<Record<string, Task>>({});
const [loaded, setLoaded] = createSignal(false);

export { loaded, tasks };

export function replaceTasks(list: Task[]): void {
  // reconcile keeps the objects of unchanged tasks, so a catch-up redraws only what changed.
  setTasks(reconcile(Object.fromEntries(list.map((t) => [t.id, t]))));
  setLoaded(true);
}

export function upsertTask(task: Task): void {
  if (tasks[task.id]) setTasks(task.id, reconcile(task));
  else setTasks(task.id, task);
}

export function removeTask(id: string): void {
  setTasks(
    produce((all) => {
      delete all[id];
    }),
  );
}

export function placeTask(id: string, status: TaskStatus, order: number): void {
  if (tasks[id]) setTasks(id, { status, order });
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

/** Every column's cards in board order, after the search; recomputed only when a status, order or searched field changes. */
export const columns = createRoot(() =>
  createMemo<Columns>(() => {
    const keep = taskFilter();
    const shown = empty<Task[]>(() => []);
    const total = empty(() => 0);
    const labels = new Set<string>();
    const followUps: Record<string, number> = {};
    for (const task of Object.values(tasks)) {
      total[task.status]++;
      if (task.parent) followUps[task.parent] = (followUps[task.parent] ?? 0) + 1;
      for (const l of task.labels) labels.add(l);
      if (keep(task)) shown[task.status].push(task);
    }
    for (const c of COLUMNS) shown[c].sort(byOrder);
    return { shown, total, labels: [...labels].sort(), followUps };
  }),
);
