/**
 * Dependencies between tasks: a task is blocked while any task it depends on exists and is not
 * Done, or while it is part of a dependency cycle. Pure functions over the board's tasks, so the
 * server's guard and the board's card read the same rule. No zod here: the board imports this file.
 */
type DepTask = { id: string; title: string; status: string; dependsOn?: readonly string[] };
type Lookup<T> = (id: string) => T | undefined;

/** The tasks that keep `task` from starting: existing dependencies not Done yet (a deleted one stops blocking). */
export function blockersOf<T extends DepTask>(task: DepTask, find: Lookup<T>): T[] {
  const out: T[] = [];
  for (const id of new Set(task.dependsOn ?? [])) {
    const dep = find(id);
    if (dep && dep.status !== 'done') out.push(dep);
  }
  return out;
}

/** "A" (a-id), "B" (b-id): how an error or a card names the blockers. */
export function nameTasks(tasks: readonly DepTask[]): string {
  return tasks.map((t) => `"${t.title}" (${t.id})`).join(', ');
}

/**
 * A path of ids that starts and ends at `from` following dependsOn edges, or null. `edges`
 * gives a task's dependencies (existing tasks only are followed).
 */
export function cycleThrough(from: string, edges: Lookup<readonly string[]>): string[] | null {
  const seen = new Set<string>();
  const path: string[] = [from];
  const walk = (id: string): boolean => {
    for (const next of edges(id) ?? []) {
      if (next === from) {
        path.push(next);
        return true;
      }
      if (seen.has(next) || edges(next) === undefined) continue;
      seen.add(next);
      path.push(next);
      if (walk(next)) return true;
      path.pop();
    }
    return false;
  };
  return walk(from) ? path : null;
}

/**
 * Every dependency cycle on the board, each once, as a list of ids (first repeated at the end).
 * Iterative colouring DFS: 10,000 tasks take a few milliseconds.
 */
export function findCycles(tasks: Iterable<DepTask>): string[][] {
  const deps = new Map<string, readonly string[]>();
  for (const t of tasks) deps.set(t.id, t.dependsOn ?? []);
  const state = new Map<string, 1 | 2>(); // 1: on the current path, 2: finished
  const cycles: string[][] = [];
  for (const root of deps.keys()) {
    if (state.has(root)) continue;
    const stack: Array<{ id: string; next: number }> = [{ id: root, next: 0 }];
    state.set(root, 1);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const list = deps.get(top.id) ?? [];
      if (top.next >= list.length) {
        state.set(top.id, 2);
        stack.pop();
        continue;
      }
      const next = list[top.next++]!;
      if (!deps.has(next)) continue;
      const s = state.get(next);
      if (s === 1) {
        const at = stack.findIndex((f) => f.id === next);
        cycles.push([...stack.slice(at).map((f) => f.id), next]);
      } else if (s === undefined) {
        state.set(next, 1);
        stack.push({ id: next, next: 0 });
      }
    }
  }
  return cycles;
}

/** Ids that sit in any of `cycles`. */
export function idsInCycles(cycles: readonly string[][]): Set<string> {
  return new Set(cycles.flat());
}
