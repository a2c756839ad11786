import { initTRPC, TRPCError } from '@trpc/server';
import type { OpenApiMeta } from 'trpc-to-openapi';
import { ZodError } from 'zod';
import type { ErrorReason } from '../shared/errors.js';
import type { Context } from './context.js';
import { InvalidFileError, InvalidInputError, NotFoundError, PreconditionError, reasonForCode } from './errors.js';
import { describeZodIssues } from './lib/zod-issues.js';

/**
 * What an agent session may do with a procedure (a person may do everything):
 * - `person` (the default, so a procedure that says nothing is closed to agents): nothing;
 * - `read`: call it;
 * - `own-task`: call it on its own task only (the input's `id`);
 * - `follow-up`: call it; the router makes the result a follow-up of its task (tasks.create).
 */
export type Access = 'person' | 'read' | 'own-task' | 'follow-up';
export type StudioMeta = OpenApiMeta & { access?: Access };

const t = initTRPC
  .context<Context>()
  .meta<StudioMeta>()
  .create({
    isDev: false,
    errorFormatter({ shape, error }) {
      const zod = error.cause instanceof ZodError ? error.cause : null;
      return {
        ...shape,
        message: zod ? describeZodIssues(zod.issues) : shape.message,
        data: {
          code: shape.data.code,
          httpStatus: shape.data.httpStatus,
          path: shape.data.path,
          reason: reasonOf(error),
        },
      };
    },
  });

/** A TRPCError whose cause is the domain error, so the formatter can read its reason. */
function transportError(code: TRPCError['code'], cause: Error): TRPCError {
  return new TRPCError({ code, message: cause.message, cause });
}

/** The stable code of an error: the domain error's own reason, else one implied by the transport code. */
function reasonOf(error: TRPCError): ErrorReason {
  const cause = error.cause as { reason?: unknown } | undefined;
  if (cause && typeof cause.reason === 'string' && !(cause instanceof ZodError)) return cause.reason as ErrorReason;
  return reasonForCode(error.code);
}

/** Domain errors become transport errors here, once, and nowhere else. */
const mapErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (result.ok) return result;
  const cause = result.error.cause;
  if (cause instanceof NotFoundError) throw transportError('NOT_FOUND', cause);
  if (cause instanceof InvalidInputError) throw transportError('BAD_REQUEST', cause);
  if (cause instanceof PreconditionError || cause instanceof InvalidFileError) throw transportError('PRECONDITION_FAILED', cause);
  if (result.error.code === 'INTERNAL_SERVER_ERROR' && !(cause instanceof ZodError))
    console.error('internal error:', cause ?? result.error);
  return result;
});

/** A refusal of an agent outside its scope: FORBIDDEN with the reason `agent-not-allowed`. */
export class AgentNotAllowedError extends Error {
  override name = 'AgentNotAllowedError';
  readonly reason: ErrorReason = 'agent-not-allowed';
}

/**
 * Every call proves who makes it (the edges set the principal from the token), and an agent
 * gets only what the procedure's `access` grants. Runs before the procedure, so a refused call
 * changes nothing.
 */
const checkPrincipal = t.middleware(async ({ ctx, meta, path, getRawInput, next }) => {
  const principal = ctx.principal;
  if (!principal) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'a valid token is required' });
  if (principal.kind === 'person') return next();
  const access = meta?.access ?? 'person';
  if (access === 'read' || access === 'follow-up') return next();
  if (access === 'own-task') {
    const raw = (await getRawInput()) as { id?: unknown } | undefined;
    if (raw?.id === principal.taskId) return next();
    throw transportError(
      'FORBIDDEN',
      new AgentNotAllowedError(`${path}: an agent working on ${principal.taskId} may do this on its own task only`),
    );
  }
  throw transportError(
    'FORBIDDEN',
    new AgentNotAllowedError(
      `${path} is for a person: an agent working on ${principal.taskId} may read the board, create follow-ups of its task and comment on it`,
    ),
  );
});

export const router = t.router;
/** Every procedure needs a token and checks the principal: the studio's API is as sensitive as a shell. */
export const procedure = t.procedure.use(mapErrors).use(checkPrincipal);
