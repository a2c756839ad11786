import { IdInput } from '../../shared/api.js';
import { DevServerState } from '../../shared/task-env.js';
import type { Context } from '../context.js';
import { PreconditionError } from '../errors.js';
import { procedure, router } from '../trpc.js';
import { rest } from './meta.js';

function devServers(ctx: Context) {
  const env = ctx.services.agent.env;
  if (!env) throw new PreconditionError('dev servers run only in a studio that drives the agent', 'no-dev-server');
  return env.devServers;
}

export const devServerRouter = router({
  get: procedure
    .meta(
      rest('GET', '/tasks/{id}/dev-server', "The task's dev server: state, port, link and log", 'dev server', { access: 'read' }),
    )
    .input(IdInput)
    .output(DevServerState)
    .query(({ ctx, input }) => devServers(ctx).state(input.id)),
  run: procedure
    .meta(rest('POST', '/tasks/{id}/dev-server/run', "Run config devServer in the task's worktree on its port", 'dev server'))
    .input(IdInput)
    .output(DevServerState)
    .mutation(({ ctx, input }) => devServers(ctx).run(input.id)),
  stop: procedure
    .meta(rest('POST', '/tasks/{id}/dev-server/stop', "Stop the task's dev server (its whole process group)", 'dev server'))
    .input(IdInput)
    .output(DevServerState)
    .mutation(({ ctx, input }) => devServers(ctx).stop(input.id)),
});
