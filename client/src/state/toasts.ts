import { TRPCClientError } from '@trpc/client';
import { createSignal } from 'solid-js';
import { type ErrorReason, isErrorReason } from '../../../shared/errors.js';

export type Toast = { id: number; kind: 'error' | 'info'; text: string };

const [toasts, setToasts] = createSignal<Toast[]>([]);

export { toasts };

let next = 1;

export function toast(text: string, kind: Toast['kind'] = 'info'): void {
  const id = next++;
  setToasts((list) => [...list.filter((t) => t.text !== text), { id, kind, text }].slice(-4));
  setTimeout(() => dismiss(id), kind === 'error' ? 9_000 : 4_000);
}

export function dismiss(id: number): void {
  setToasts((list) => list.filter((t) => t.id !== id));
}

export function errorText(err: unknown): string {
  if (err instanceof TRPCClientError) {
    // No HTTP answer at all (not an error the studio sent): the fetch itself failed.
    if (!err.data && !err.meta?.response) return 'the studio did not answer: is it still running?';
    return err.message;
  }
  return err instanceof Error ? err.message : String(err);
}

/** The stable reason code the studio put in the error's data (shared/errors.ts); null for a network failure. */
export function errorReason(err: unknown): ErrorReason | null {
  if (!(err instanceof TRPCClientError)) return null;
  const reason = (err.data as { reason?: unknown } | undefined)?.reason;
  return isErrorReason(reason) ? reason : null;
}

export function isUnauthorized(err: unknown): boolean {
  if (!(err instanceof TRPCClientError)) return false;
  const status = (err.meta?.response as Response | undefined)?.status;
  return err.data?.code === 'UNAUTHORIZED' || status === 401;
}

/** Runs a request; a failure becomes a toast that starts with what was being done. */
export async function attempt<T>(what: string, run: () => Promise<T>): Promise<T | undefined> {
  try {
    return await run();
  } catch (err) {
    toast(`${what}: ${errorText(err)}`, 'error');
    return undefined;
  }
}
