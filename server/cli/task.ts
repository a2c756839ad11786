import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { callOperation } from '../access/call.js';
import { connectBoard } from '../access/connect.js';
import { operation } from '../access/operations.js';
import { WorkspacePaths } from '../store/paths.js';

export const TASK_HELP = `opencode-studio task: read and change the board from a terminal

Works on the repo in the current directory (or --dir <path>). With a studio running there, each
command goes through it and the board shows the change at once; without one, it works on the
files in .opencode-studio/ (start, approve, merge, abort, retry, request-changes and diff then
fail: they need the studio's agent).

  task list [--status s] [--label l] [--search text]   the tasks, in board order
  task show <id>                                       a task with its plan and review
  task create <title> [-d text] [--label l]… [--parent id] [--depends-on id]… [--auto-start]
  task update <id> [--title t] [-d text] [--label l]… [--depends-on id]… [--auto-start | --no-auto-start]
                                 (labels and dependencies replace the old ones)
  task move <id> <status>        todo planning plan_review in_progress ai_review review done
  task delete <id> [--force]     --force also removes the task's branch and worktree
  task start|approve|merge|abort|retry <id>
  task request-changes <id> <feedback>
  task plan <id> [--edit]        print the plan; --edit opens $EDITOR on plans/<id>.md
  task diff <id>                 the task branch against its base
  task activity <id>             what the agent did for the task
  task info                      the repo, its config, and whether a studio and its agent run

Every command takes --json (print exactly the API's JSON) and --dir <path>.
Errors print the studio's message and exit with code 1.
`;

export class TaskUsageError extends Error {
  override name = 'TaskUsageError';
}

type Values = {
  status?: string;
  label?: string[];
  search?: string;
  description?: string;
  title?: string;
  parent?: string;
  'depends-on'?: string[];
  'auto-start'?: boolean;
  'no-auto-start'?: boolean;
  force?: boolean;
  edit?: boolean;
};

/** Each command: the operation it runs, its positional arguments, its options, and the input it builds. */
const COMMANDS: Record<
  string,
  { op: string; args: string[]; options?: Array<keyof Values>; input(a: string[], v: Values): object }
> = {
  list: {
    op: 'task_list',
    args: [],
    options: ['status', 'label', 'search'],
    input: (_, v) => ({ status: v.status, label: v.label?.[0], search: v.search }),
  },
  show: { op: 'task_get', args: ['id'], input: ([id]) => ({ id }) },
  create: {
    op: 'task_create',
    args: ['title'],
    options: ['description', 'label', 'parent', 'depends-on', 'auto-start'],
    input: ([title], v) => ({
      title,
      description: v.description,
      labels: v.label,
      parent: v.parent,
      dependsOn: v['depends-on'],
      autoStart: v['auto-start'],
    }),
  },
  update: {
    op: 'task_update',
    args: ['id'],
    options: ['title', 'description', 'label', 'depends-on', 'auto-start', 'no-auto-start'],
    input: ([id], v) => ({
      id,
      title: v.title,
      description: v.description,
      labels: v.label,
      dependsOn: v['depends-on'],
      autoStart: v['no-auto-start'] ? false : v['auto-start'],
    }),
  },
  move: { op: 'task_move', args: ['id', 'status'], input: ([id, status]) => ({ id, status }) },
  delete: { op: 'task_delete', args: ['id'], options: ['force'], input: ([id], v) => ({ id, force: v.force }) },
  start: { op: 'task_start', args: ['id'], input: ([id]) => ({ id }) },
  approve: { op: 'task_approve_plan', args: ['id'], input: ([id]) => ({ id }) },
  merge: { op: 'task_merge', args: ['id'], input: ([id]) => ({ id }) },
  abort: { op: 'task_abort', args: ['id'], input: ([id]) => ({ id }) },
  retry: { op: 'task_retry', args: ['id'], input: ([id]) => ({ id }) },
  'request-changes': { op: 'task_request_changes', args: ['id', 'feedback'], input: ([id, feedback]) => ({ id, feedback }) },
  plan: { op: 'plan_get', args: ['id'], options: ['edit'], input: ([id]) => ({ id }) },
  diff: { op: 'task_diff', args: ['id'], input: ([id]) => ({ id }) },
  activity: { op: 'task_activity', args: ['id'], input: ([id]) => ({ id }) },
  info: { op: 'project_info', args: [], input: () => ({}) },
};

export async function runTask(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      status: { type: 'string' },
      label: { type: 'string', multiple: true },
      search: { type: 'string' },
      description: { type: 'string', short: 'd' },
      title: { type: 'string' },
      parent: { type: 'string' },
      'depends-on': { type: 'string', multiple: true },
      'auto-start': { type: 'boolean' },
      'no-auto-start': { type: 'boolean' },
      force: { type: 'boolean' },
      edit: { type: 'boolean' },
      json: { type: 'boolean' },
      dir: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [name, ...args] = positionals;
  if (values.help || name === undefined || name === 'help') {
    process.stdout.write(TASK_HELP);
    return name === undefined && !values.help ? 1 : 0;
  }
  const command = COMMANDS[name];
  if (!command) throw new TaskUsageError(`unknown command "task ${name}"`);
  if (args.length !== command.args.length)
    throw new TaskUsageError(`"task ${name}" takes ${command.args.map((a) => `<${a}>`).join(' ') || 'no arguments'}`);
  const generic = new Set(['json', 'dir', 'help']);
  const stray = Object.keys(values).filter((k) => !generic.has(k) && !command.options?.includes(k as keyof Values));
  if (stray.length) throw new TaskUsageError(`"task ${name}" does not take --${stray.join(', --')}`);
  const dir = values.dir ?? process.cwd();
  if (name === 'plan' && values.edit) return editPlan(dir, args[0]!);

  const op = operation(command.op);
  const outcome = await callOperation(dir, op, dropUndefined(command.input(args, values)));
  if (!outcome.ok) {
    if (values.json) process.stderr.write(`${JSON.stringify({ error: { message: outcome.message, reason: outcome.reason } })}\n`);
    else process.stderr.write(`opencode-studio: ${outcome.message}\n`);
    return 1;
  }
  const out = values.json ? JSON.stringify(outcome.result, null, 2) : op.text(outcome.result);
  process.stdout.write(out.endsWith('\n') ? out : `${out}\n`);
  return 0;
}

/** Opens $VISUAL or $EDITOR on the plan file; the studio's watcher (or the next read) picks up the save. */
async function editPlan(dir: string, id: string): Promise<number> {
  const board = await connectBoard(dir);
  try {
    const { plan } = await board.api.tasks.get.query({ id });
    if (plan === null) await board.api.plans.update.mutate({ id, markdown: '' });
  } finally {
    await board.close();
  }
  const file = new WorkspacePaths(board.root).plan(id);
  const editor = process.env.VISUAL || process.env.EDITOR || 'vi';
  const result = spawnSync(`${editor} "$STUDIO_PLAN_FILE"`, {
    shell: true,
    stdio: 'inherit',
    env: { ...process.env, STUDIO_PLAN_FILE: file },
  });
  if (result.error) throw new Error(`could not run the editor "${editor}": ${result.error.message}`);
  return result.status === 0 ? 0 : 1;
}

function dropUndefined(input: object): object {
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
}
