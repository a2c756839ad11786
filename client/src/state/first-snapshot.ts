import type { TasksSnapshot } from '../../../shared/api.js';

/**
 * The board's first `tasks.snapshot` (REST GET /api/board), sent before the rest of the board's
 * script has loaded. Resolves to null when it fails for any reason: the load then asks again
 * through the typed client, which reports the error as usual (a stale token, a server gone).
 */
export function requestSnapshot(token: string): Promise<TasksSnapshot | null> {
  return fetch('/api/board', { headers: { authorization: `Bearer ${token}` } })
    .then((res) => (res.ok ? (res.json() as Promise<TasksSnapshot>) : null))
    .catch(() => null);
}
