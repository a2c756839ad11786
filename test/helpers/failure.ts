import { TRPCClientError } from '@trpc/client';

/** The `CODE: message` a typed-client call fails with; fails the test when the call succeeds. */
export async function failureOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof TRPCClientError) return `${err.data?.code}: ${err.message}`;
    throw err;
  }
  throw new Error('expected the call to fail');
}

/** The stable `reason` code (shared/errors.ts) a typed-client call fails with. */
export async function reasonOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof TRPCClientError) return String(err.data?.reason);
    throw err;
  }
  throw new Error('expected the call to fail');
}
