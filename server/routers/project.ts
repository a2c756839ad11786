import { z } from 'zod';
import { ProjectInfo } from '../../shared/api.js';
import { TrustState } from '../../shared/trust.js';
import { procedure, router } from '../trpc.js';
import { rest } from './meta.js';

export const projectRouter = router({
  info: procedure
    .meta(
      rest('GET', '/project', 'Repository, branches, OpenCode status, config and file problems', 'project', {
        refuses: false,
        access: 'read',
      }),
    )
    .input(z.object({}).optional())
    .output(ProjectInfo)
    .query(({ ctx }) => ctx.services.project.info()),
  models: procedure
    .meta(rest('GET', '/project/models', 'Models OpenCode offers, as "provider/model"', 'project', { access: 'read' }))
    .input(z.object({}).optional())
    .output(z.array(z.string()))
    .query(({ ctx }) => ctx.services.agent.models()),
  trust: procedure
    .meta(
      rest(
        'POST',
        '/project/trust',
        'Trust the repo’s settings that run commands or loosen the agent, as shown with this hash (project.info trust)',
        'project',
      ),
    )
    .input(z.object({ hash: z.string().min(1).max(100) }))
    .output(TrustState)
    .mutation(async ({ ctx, input }) => {
      const state = await ctx.services.trust.trust(input.hash);
      // Spares wait for trust before running the setup: they may start now.
      ctx.services.agent.env?.slots.pump();
      return state;
    }),
});
