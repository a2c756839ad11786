import { z } from 'zod';
import {
  CreateTaskInput,
  DeleteTaskInput,
  IdInput,
  ListTasksInput,
  MoveTaskInput,
  RequestChangesInput,
  UpdatePlanInput,
  UpdateTaskInput,
} from '../../shared/api.js';
import { AddCommentInput } from '../../shared/comments.js';
import { TRANSITIONS } from '../../shared/lifecycle.js';
import type { StudioApi } from './connect.js';
import { activityText, diffText, projectText, taskDetail, taskLine, taskTable } from './format.js';

/**
 * What an agent (MCP tool) and a person (the `task` CLI) can do with a board: one small function
 * over the typed API each, with the API's own input schema. `text` is what a reader sees; the
 * result itself is the API's JSON.
 */
export interface Operation<S extends z.ZodObject = z.ZodObject, R = unknown> {
  name: string;
  description: string;
  /**
   * Which tool sets offer it: `read` every one, `agent` also the studio's own agent sessions
   * (their follow-ups and comments on their own task), `person` only the full set. The server
   * checks the caller again: a tool set is a convenience, not the boundary.
   */
  scope: 'read' | 'agent' | 'person';
  input: S;
  /** For a result that is a list: the key it goes under in the MCP answer's structured content (an object). */
  listKey?: string;
  run(api: StudioApi, input: z.infer<S>): Promise<R>;
  text(result: R): string;
}

const op = <S extends z.ZodObject, R>(o: Operation<S, R>) => o as unknown as Operation;
const DRAGS = TRANSITIONS.filter((t) => t.drag)
  .map((t) => `${t.from}→${t.to} (${t.action})`)
  .join(', ');
const NEEDS_STUDIO = 'Needs a running studio (npx opencode-studio); without one it fails with reason studio-not-running.';

export const OPERATIONS: Operation[] = [
  op({
    name: 'task_list',
    scope: 'read',
    description:
      'List the board’s tasks in board order (column, then position). Filter by status (todo, planning, plan_review, in_progress, ai_review, review, done), by a label, or by a search text matched against id, title and description.',
    input: ListTasksInput,
    listKey: 'tasks',
    run: (api, input) => api.tasks.list.query(input),
    text: taskTable,
  }),
  op({
    name: 'project_info',
    scope: 'read',
    description:
      'The repo and its board: name, branch, base branch, the config, whether the agent (OpenCode) is available, and files under .opencode-studio/ that have a mistake.',
    input: z.object({}).strict(),
    run: (api) => api.project.info.query(),
    text: projectText,
  }),
  op({
    name: 'task_get',
    scope: 'read',
    description: 'One task with its plan and latest AI review.',
    input: IdInput,
    run: (api, input) => api.tasks.get.query(input),
    text: taskDetail,
  }),
  op({
    name: 'task_create',
    scope: 'agent',
    description:
      'Create a task in Todo. To split a large task into follow-ups, create each with `parent` set to the id of the task it comes from. `dependsOn` lists tasks that must be Done (merged) before it may start (a cycle is refused, reason dependency-cycle); with `autoStart` it starts by itself when the last of them is merged.',
    input: CreateTaskInput,
    run: (api, input) => api.tasks.create.mutate(input),
    text: (task) => `Created ${taskLine(task)}`,
  }),
  op({
    name: 'task_update',
    scope: 'person',
    description:
      'Change a task’s title, description, labels, dependsOn or autoStart (lists replace the old ones). Its status does not change.',
    input: UpdateTaskInput,
    run: (api, input) => api.tasks.update.mutate(input),
    text: (task) => `Updated ${taskLine(task)}`,
  }),
  op({
    name: 'task_move',
    scope: 'person',
    description: `Move a task to another column, as a drag on the board does: ${DRAGS}; the same column with an order reorders it. Other moves are refused with the reason.`,
    input: MoveTaskInput,
    run: (api, input) => api.tasks.move.mutate(input),
    text: (task) => `Moved ${taskLine(task)}`,
  }),
  op({
    name: 'task_delete',
    scope: 'person',
    description:
      'Delete a task with its plan and review. A task whose branch or worktree holds the agent’s work needs force: true (reason needs-force), which removes them too.',
    input: DeleteTaskInput,
    run: (api, input) => api.tasks.delete.mutate(input),
    text: () => 'Deleted.',
  }),
  op({
    name: 'plan_get',
    scope: 'read',
    description: 'The plan of a task as markdown (plan is null before the agent or a person has written one).',
    input: IdInput,
    run: async (api, input) => ({ id: input.id, plan: (await api.tasks.get.query(input)).plan }),
    text: ({ plan }) => plan ?? '(no plan yet)',
  }),
  op({
    name: 'plan_update',
    scope: 'person',
    description:
      'Replace the plan of a task with this markdown (.opencode-studio/plans/<id>.md). Approving the plan later implements it as it is then.',
    input: UpdatePlanInput,
    run: (api, input) => api.plans.update.mutate(input),
    text: () => 'Plan saved.',
  }),
  ...(
    [
      [
        'task_start',
        'start',
        'Start the agent on a task in Todo: it gets a git worktree and branch, and the planning agent writes a plan (Planning, then Plan review).',
      ],
      [
        'task_approve_plan',
        'approvePlan',
        'Approve the plan of a task in Plan review (as it is on disk now): the agent implements it, reviews and fixes its work, and the task goes to Review.',
      ],
      [
        'task_merge',
        'merge',
        'Merge the branch of a task in Review into the base branch and remove its worktree; the task goes to Done.',
      ],
      ['task_abort', 'abort', 'Stop the agent run of a task; it keeps its status and can be retried.'],
      ['task_retry', 'retry', 'Run the failed, aborted or interrupted phase of a task again.'],
    ] as const
  ).map(([name, action, description]) =>
    op({
      name,
      scope: 'person',
      description: `${description} ${NEEDS_STUDIO}`,
      input: IdInput,
      run: (api, input) => api.tasks[action].mutate(input),
      text: taskLine,
    }),
  ),
  op({
    name: 'task_request_changes',
    scope: 'person',
    description: `Send feedback on a task: from Plan review the agent plans again with it, from Review it fixes its work. ${NEEDS_STUDIO}`,
    input: RequestChangesInput,
    run: (api, input) => api.tasks.requestChanges.mutate(input),
    text: taskLine,
  }),
  op({
    name: 'task_activity',
    scope: 'read',
    description: 'What the agent did for a task: phases, tool calls, text and errors, oldest first.',
    input: IdInput,
    listKey: 'entries',
    run: (api, input) => api.tasks.activity.query(input),
    text: activityText,
  }),
  op({
    name: 'task_diff',
    scope: 'read',
    description: `The task branch against its merge base: changed files and the unified patch. ${NEEDS_STUDIO}`,
    input: IdInput,
    run: (api, input) => api.tasks.diff.query(input),
    text: diffText,
  }),
  op({
    name: 'task_comment',
    scope: 'agent',
    description:
      'Comment on a line (or lines) of a task’s diff: path, side ("new" for the branch, "old" for the base), line, optional endLine, body. An agent session may comment on its own task only.',
    input: AddCommentInput,
    run: (api, input) => api.comments.add.mutate(input),
    text: (comment) => `Commented on ${comment.path}:${comment.line} (${comment.id}).`,
  }),
];

/** The tools of each MCP mode: a user's client gets all (or the read tools), an agent session of the studio its own. */
export function operationsFor(mode: 'person' | 'read-only' | 'agent'): Operation[] {
  const allowed = { person: ['read', 'agent', 'person'], 'read-only': ['read'], agent: ['read', 'agent'] }[mode];
  return OPERATIONS.filter((o) => allowed.includes(o.scope));
}

export function operation(name: string): Operation {
  const found = OPERATIONS.find((o) => o.name === name);
  if (!found) throw new Error(`no operation ${name}`);
  return found;
}
