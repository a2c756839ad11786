import { IdInput, RequestChangesInput } from '../../shared/api.js';
import { Task } from '../../shared/task.js';
import { procedure } from '../trpc.js';
import { rest } from './meta.js';

const meta = (path: `/${string}`, summary: string) => rest('POST', path, summary, 'agent');

/** The agent's actions on a task; merged into `tasks.*`. */
export const agentProcedures = {
  start: procedure
    .meta(meta('/tasks/{id}/start', 'Create the worktree and let the agent plan the task'))
    .input(IdInput)
    .output(Task)
    .mutation(({ ctx, input }) => ctx.services.agent.start(input.id)),
  approvePlan: procedure
    .meta(meta('/tasks/{id}/approve-plan', 'Approve the plan (as it is on disk now) and let the agent implement it'))
    .input(IdInput)
    .output(Task)
    .mutation(({ ctx, input }) => ctx.services.agent.approvePlan(input.id)),
  requestChanges: procedure
    .meta(meta('/tasks/{id}/request-changes', 'Send feedback: re-plan from Plan review, or fix from Review'))
    .input(RequestChangesInput)
    .output(Task)
    .mutation(({ ctx, input }) => ctx.services.agent.requestChanges(input.id, input.feedback)),
  merge: procedure
    .meta(meta('/tasks/{id}/merge', 'Merge the task branch into the base branch and remove the worktree'))
    .input(IdInput)
    .output(Task)
    .mutation(({ ctx, input }) => ctx.services.agent.merge(input.id)),
  updateBranch: procedure
    .meta(
      meta(
        '/tasks/{id}/update-branch',
        'Merge the base branch into the task branch; conflicts go to the agent, then to AI review again',
      ),
    )
    .input(IdInput)
    .output(Task)
    .mutation(({ ctx, input }) => ctx.services.agent.updateBranch(input.id)),
  abort: procedure
    .meta(meta('/tasks/{id}/abort', 'Stop the agent run of this task'))
    .input(IdInput)
    .output(Task)
    .mutation(({ ctx, input }) => ctx.services.agent.abort(input.id)),
  retry: procedure
    .meta(meta('/tasks/{id}/retry', 'Run the failed, aborted or interrupted phase again'))
    .input(IdInput)
    .output(Task)
    .mutation(({ ctx, input }) => ctx.services.agent.retry(input.id)),
};
