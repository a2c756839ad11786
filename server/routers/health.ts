import { z } from 'zod';
import { procedure } from '../trpc.js';
import { STUDIO_VERSION } from '../version.js';
import { rest } from './meta.js';

export const healthProcedure = procedure
  .meta(rest('GET', '/health', 'Check that the studio answers', 'project', { refuses: false, access: 'read' }))
  .input(z.object({}).optional())
  .output(z.object({ ok: z.literal(true), version: z.string() }))
  .query(() => ({ ok: true as const, version: STUDIO_VERSION }));
