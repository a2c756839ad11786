import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTRPCClient, httpLink, TRPCClientError } from '@trpc/client';
import { createExpressMiddleware } from '@trpc/server/adapters/express';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { TRPC_ERROR_CODES_BY_KEY } from '@trpc/server/rpc';
import express from 'express';
import { createOpenApiExpressMiddleware } from 'trpc-to-openapi';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { describeError } from '../../server/access/call.js';
import type { Context } from '../../server/context.js';
import { codeForReason, reasonForCode, StudioError } from '../../server/errors.js';
import { restErrorBodies } from '../../server/http/api-error.js';
import { PERSON } from '../../server/lib/principal.js';
import { procedure, router } from '../../server/trpc.js';
import { ERROR_REASON_STATUS, ERROR_REASONS, type ErrorReason } from '../../shared/errors.js';

/** One procedure that fails with the reason it is given, on the same error mapping as the studio's. */
const failing = router({
  fail: procedure
    .meta({ openapi: { method: 'POST', path: '/fail', protect: false } })
    .input(z.object({ reason: z.enum(ERROR_REASONS) }))
    .output(z.object({}))
    .mutation(({ input }) => {
      throw new StudioError(`failed with ${input.reason}`, input.reason);
    }),
});

let server: Server;
let url = '';
const createContext = () => ({ principal: PERSON }) as unknown as Context;

beforeAll(async () => {
  const app = express();
  app.use('/trpc', createExpressMiddleware({ router: failing, createContext }));
  app.use('/api', restErrorBodies, express.json(), createOpenApiExpressMiddleware({ router: failing, createContext }));
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

describe('the reason → HTTP status table (shared/errors.ts ERROR_REASON_STATUS)', () => {
  it('covers every reason, and an error with that reason answers its status over tRPC, REST, the CLI and MCP', async () => {
    const client = createTRPCClient<typeof failing>({ links: [httpLink({ url: `${url}/trpc` })] });
    // An internal error is logged where it happens (server/trpc.ts): once per call, tRPC and REST.
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(Object.keys(ERROR_REASON_STATUS).sort()).toEqual([...ERROR_REASONS].sort());
    for (const reason of ERROR_REASONS) {
      const status = ERROR_REASON_STATUS[reason];

      const err = await client.fail.mutate({ reason }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(TRPCClientError);
      const data = (err as TRPCClientError<typeof failing>).data as { httpStatus: number; reason: ErrorReason; code: string };
      expect({ reason, status: data.httpStatus, data: data.reason, code: data.code }).toEqual({
        reason,
        status,
        data: reason,
        code: codeForReason(reason),
      });
      // The CLI and the MCP server report what the typed client got.
      expect(describeError(err)).toMatchObject({ reason, status });

      const res = await fetch(`${url}/api/fail`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ reason }),
      });
      expect({ reason, status: res.status, body: await res.json() }).toEqual({
        reason,
        status,
        body: { code: codeForReason(reason), message: `failed with ${reason}`, reason },
      });
    }
    expect(logged).toHaveBeenCalledTimes(2);
    logged.mockRestore();
  });

  it('a transport code without a reason of its own implies one whose status is tRPC’s for that code', () => {
    for (const code of [
      'NOT_FOUND',
      'BAD_REQUEST',
      'PARSE_ERROR',
      'UNAUTHORIZED',
      'FORBIDDEN',
      'PAYLOAD_TOO_LARGE',
      'PRECONDITION_FAILED',
    ] as const) {
      const status = getHTTPStatusCodeFromError({ code } as never);
      expect({ code, status: ERROR_REASON_STATUS[reasonForCode(code)] }).toEqual({ code, status });
    }
    expect(TRPC_ERROR_CODES_BY_KEY[codeForReason('internal')]).toBe(TRPC_ERROR_CODES_BY_KEY.INTERNAL_SERVER_ERROR);
  });
});
