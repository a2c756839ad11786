import { initTRPC, TRPCError } from '@trpc/server';
import type { OpenApiMeta } from 'trpc-to-openapi';
import { ZodError } from 'zod';
import type { Context } from './context.js';
import { InvalidFileError, InvalidInputError, NotFoundError, PreconditionError } from './errors.js';
import { describeZodIssues } from './store/canonical.js';

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
        data: { code: shape.data.code, httpStatus: shape.data.httpStatus, path: shape.data.path },
      };
    },
  });

/** Domain errors become transport errors here, once, and nowhere else. */
const mapErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (result.ok) return result;
  const cause = result.error.cause;
  if (cause instanceof NotFoundError) throw new TRPCError({ code: 'NOT_FOUND', message: cause.message });
  if (cause instanceof InvalidInputError) throw new TRPCError({ code: 'BAD_REQUEST', message: cause.message });
  if (cause instanceof PreconditionError || cause instanceof InvalidFileError)
    throw new TRPCError({ code: 'PRECONDITION_FAILED', message: cause.message });
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
