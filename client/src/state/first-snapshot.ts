import type { TasksSnapshot } from '../../../shared/api.js';

/**
 * The board's first `tasks.snapshot`, sent with plain fetch before the rest of the board's script
 * (and the typed client in it) has loaded. Resolves to null when it fails for any reason: the load
 * then asks again through the typed client, which reports the error as usual (a stale token, a
 * server gone).
 */
export function requestSnapshot(token: string): Promise<TasksSnapshot | null> {
  return fetch('/trpc/tasks.snapshot', { headers: { authorization: `Bearer ${token}` } })
    .then((res) => (res.ok ? (res.json() as Promise<{ result: { data: TasksSnapshot } }>) : null))
    .then((body) => body?.result.data ?? null)
    .catch(() => null);
}
