import { z } from 'zod';
import { UpdateConfigInput } from '../../shared/api.js';
import { Config } from '../../shared/config.js';
import { procedure, router } from '../trpc.js';
import { rest } from './meta.js';

export const configRouter = router({
  get: procedure
    .meta(rest('GET', '/config', 'Read the project settings', 'config', { refuses: false, access: 'read' }))
    .input(z.object({}).optional())
    .output(Config)
    .query(({ ctx }) => ctx.services.store.config.get()),
  update: procedure
    .meta(rest('PATCH', '/config', 'Change some project settings', 'config'))
    .input(UpdateConfigInput)
    .output(Config)
    .mutation(async ({ ctx, input }) => {
      const config = await ctx.services.trust.updateConfig(input);
      // A value set here is trusted now, changed or not: spares waiting for trust may start.
      ctx.services.agent.env?.slots.pump();
      return config;
    }),
});
