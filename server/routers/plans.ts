import { Ok, UpdatePlanInput } from '../../shared/api.js';
import { procedure, router } from '../trpc.js';
import { rest } from './meta.js';

export const plansRouter = router({
  update: procedure
    .meta(rest('PUT', '/tasks/{id}/plan', 'Replace the plan markdown of a task', 'tasks'))
    .input(UpdatePlanInput)
    .output(Ok)
    .mutation(async ({ ctx, input }) => {
      await ctx.services.tasks.updatePlan(input.id, input.markdown);
      return { ok: true as const };
    }),
});
