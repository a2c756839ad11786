import { initTRPC, TRPCError } from '@trpc/server';
import type { OpenApiMeta } from 'trpc-to-openapi';
import { ZodError } from 'zod';
import type { ErrorReason } from '../shared/errors.js';
import type { Context } from './context.js';
import { InvalidFileError, InvalidInputError, NotFoundError, PreconditionError, reasonForCode } from './errors.js';
import { describeZodIssues } from './lib/zod-issues.js';

const t = initTRPC
  .context<Context>()
  .meta<OpenApiMeta>()
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

const requireToken = t.middleware(({ ctx, next }) => {
  if (!ctx.authed) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'a valid token is required' });
  return next();
});

export const router = t.router;
/** Every procedure needs the token: the studio's API is as sensitive as a shell. */
export const procedure = t.procedure.use(mapErrors).use(requireToken);
