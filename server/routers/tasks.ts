import { z } from 'zod';
import { ActivityEntry } from '../../shared/activity.js';
import {
  ActivityRows,
  ActivityRowsInput,
  CreateTaskInput,
  DeleteTaskInput,
  IdInput,
  ListTasksInput,
  MoveTaskInput,
  Ok,
  ResolveConflictInput,
  TaskDetail,
  TaskDiff,
  TasksSnapshot,
  UpdateTaskInput,
} from '../../shared/api.js';
import { Task } from '../../shared/task.js';
import { asFollowUp } from '../services/follow-up.js';
import { procedure, router } from '../trpc.js';
import { agentProcedures } from './agent.js';
import { githubProcedures } from './github.js';
import { rest } from './meta.js';

const meta = (
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  path: `/${string}`,
  summary: string,
  options?: Parameters<typeof rest>[4],
) => rest(method, path, summary, 'tasks', options);

export const tasksRouter = router({
  // GET tasks.list and tasks.snapshot are usually answered before they get here, from TaskService's
  // serialized list (server/http/task-list-fast-path.ts); the answers are the same.
  list: procedure
    .meta(
      meta('GET', '/tasks', 'List tasks in board order, optionally one column, one label or those matching a search', {
        refuses: false,
        access: 'read',
      }),
    )
    .input(ListTasksInput.optional())
    .output(z.array(Task))
    .query(({ ctx, input }) => ctx.services.tasks.list(input)),
  snapshot: procedure
    .meta(
      meta('GET', '/board', 'All tasks in board order, with the id of the last event they include (subscribe from it)', {
        access: 'read',
      }),
    )
    .input(z.object({}).strict().optional())
    .output(TasksSnapshot)
    .query(({ ctx }) => ctx.services.tasks.snapshot()),
  get: procedure
    .meta(meta('GET', '/tasks/{id}', 'A task with its plan and latest review', { access: 'read' }))
    .input(IdInput)
    .output(TaskDetail)
    .query(({ ctx, input }) => ctx.services.tasks.get(input.id)),
  create: procedure
    .meta(
      meta('POST', '/tasks', 'Create a task in Todo (an agent session creates a follow-up of its own task)', {
        access: 'follow-up',
      }),
    )
    .input(CreateTaskInput)
    .output(Task)
    .mutation(({ ctx, input }) => ctx.services.tasks.create(asFollowUp(ctx.principal, input))),
  update: procedure
    .meta(meta('PATCH', '/tasks/{id}', 'Change a task title, description, labels or order'))
    .input(UpdateTaskInput)
    .output(Task)
    .mutation(({ ctx, input }) => ctx.services.tasks.update(input)),
  delete: procedure
    .meta(meta('DELETE', '/tasks/{id}', 'Delete a task (force also removes its worktree and branch)'))
    .input(DeleteTaskInput)
    .output(Ok)
    .mutation(async ({ ctx, input }) => {
      await ctx.services.tasks.delete(input.id, input.force ?? false);
      return { ok: true as const };
    }),
  move: procedure
    .meta(meta('POST', '/tasks/{id}/move', 'Move a task to a column or position, as a drag on the board does'))
    .input(MoveTaskInput)
    .output(Task)
    .mutation(({ ctx, input }) => ctx.services.tasks.move(input)),
  resolveConflict: procedure
    .meta(
      meta(
        'POST',
        '/tasks/{id}/resolve-conflict',
        'Pick ours or theirs for each field a git merge left clashing; stages the file once none is left',
      ),
    )
    .input(ResolveConflictInput)
    .output(Task)
    .mutation(({ ctx, input }) => ctx.services.conflicts.resolve(input.id, input.choices)),
  diff: procedure
    .meta(meta('GET', '/tasks/{id}/diff', 'The task branch against its merge base: files and unified patch', { access: 'read' }))
    .input(IdInput)
    .output(TaskDiff)
    .query(({ ctx, input }) => ctx.services.agent.diff(input.id)),
  activity: procedure
    .meta(meta('GET', '/tasks/{id}/activity', 'What the agent did for this task', { access: 'read' }))
    .input(IdInput)
    .output(z.array(ActivityEntry))
    .query(({ ctx, input }) => {
      ctx.services.store.tasks.get(input.id); // an unknown task is a 404 with or without an agent
      return ctx.services.agent.activity(input.id);
    }),
  activityRows: procedure
    .meta(
      meta('GET', '/tasks/{id}/activity/rows', 'The rows the Activity tab shows, a page at a time from the newest', {
        access: 'read',
      }),
    )
    .input(ActivityRowsInput)
    .output(ActivityRows)
    .query(({ ctx, input }) => ctx.services.tasks.activityRows(input)),
  ...agentProcedures,
  ...githubProcedures,
});
