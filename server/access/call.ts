import { isTRPCClientError } from '@trpc/client';
import { type ErrorReason, isErrorReason } from '../../shared/errors.js';
import { type Board, connectBoard } from './connect.js';
import type { Operation } from './operations.js';

export type Outcome = { ok: true; result: unknown; live: boolean } | { ok: false; message: string; reason: ErrorReason };

/** Connect to the board of `dir`, run one operation, close; every failure becomes the API's message and reason. */
export async function callOperation(dir: string, op: Operation, input: unknown): Promise<Outcome> {
  let board: Board | null = null;
  try {
    board = await connectBoard(dir);
    const result = await op.run(board.api, input as never);
    return { ok: true, result, live: board.live };
  } catch (err) {
    return { ok: false, ...describeError(err) };
  } finally {
    await board?.close();
  }
}

export function describeError(err: unknown): { message: string; reason: ErrorReason } {
  if (isTRPCClientError(err)) {
    const reason = (err.data as { reason?: unknown } | undefined)?.reason;
    if (isErrorReason(reason)) return { message: err.message, reason };
    // No answer at all: the studio in server.json did not respond.
    return { message: `could not reach the studio: ${err.message}`, reason: 'internal' };
  }
  const reason = (err as { reason?: unknown } | null)?.reason;
  return { message: err instanceof Error ? err.message : String(err), reason: isErrorReason(reason) ? reason : 'internal' };
}
