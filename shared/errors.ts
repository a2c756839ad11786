/**
 * Stable machine codes carried in every API error's `data.reason`. Clients (the board, the
 * script client, the CLI, the MCP server) branch on these, never on an error's message.
 * No zod here: the board imports this file.
 */
export const ERROR_REASONS = [
  'not-found',
  'invalid-input',
  'invalid-file',
  'unauthorized',
  'forbidden',
  'too-large',
  'not-allowed-now',
  'needs-force',
  'already-running',
  'not-running',
  'nothing-to-retry',
  'no-branch',
  'merge-conflict',
  'merge-conflict-in-task',
  'dirty-checkout',
  'wrong-checkout',
  'opencode-unavailable',
  'opencode-unsupported',
  'studio-not-running',
  'empty-plan',
  'busy-file',
  'git-locked',
  'setup-failed',
  'no-free-port',
  'no-dev-server',
  'blocked',
  'dependency-cycle',
  'untrusted-settings',
  'agent-not-allowed',
  'internal',
] as const;
export type ErrorReason = (typeof ERROR_REASONS)[number];

export function isErrorReason(value: unknown): value is ErrorReason {
  return typeof value === 'string' && (ERROR_REASONS as readonly string[]).includes(value);
}

/** What each reason means, for the README and the OpenAPI document. */
export const ERROR_REASON_TEXT: Record<ErrorReason, string> = {
  'not-found': 'no such task, plan or request',
  'invalid-input': 'the input does not match the schema; the message names the field',
  'invalid-file': 'a file under .opencode-studio/ is malformed; fix it by hand, then try again',
  unauthorized: 'a valid token is required',
  forbidden: 'the request came with a foreign Host or Origin (DNS rebinding or cross-site protection)',
  'too-large': 'the request body is larger than the studio accepts (2 MB)',
  'not-allowed-now': 'the lifecycle does not allow this action from the task’s current status',
  'needs-force': 'the task has a branch or worktree with the agent’s work; repeat with force to remove them too',
  'already-running': 'an agent is already working on the task; abort it first',
  'not-running': 'nothing is running for the task',
  'nothing-to-retry': 'the task has no failed, aborted or interrupted phase to retry',
  'no-branch': 'the task has no branch yet, or its branch was deleted',
  'merge-conflict': 'the branch conflicts with the base branch',
  'merge-conflict-in-task':
    'a git merge left the task file conflicted; resolve it on the board (tasks.resolveConflict) before the agent works on it',
  'dirty-checkout': 'the main checkout has uncommitted changes that the merge would touch',
  'wrong-checkout': 'the main checkout is not on the base branch',
  'opencode-unavailable': 'OpenCode is not running or not reachable',
  'opencode-unsupported':
    'the OpenCode server is a version or kind the studio cannot drive; the message names the version found and the range supported',
  'studio-not-running':
    'no studio runs for this repo, so the agent cannot act; start it with `npx opencode-studio` (the CLI and MCP server then use it)',
  'empty-plan': 'the agent answered with an empty plan',
  'busy-file': 'the file kept changing under the write; try again',
  'git-locked':
    'another process holds one of git’s lock files (index.lock, a ref’s .lock) past the wait; the message names the lock and the process',
  'setup-failed': 'a worktree setup command (config worktreeSetup) failed; fix it and retry',
  'no-free-port': 'every port of config portRange is taken; widen the range or free a port',
  'no-dev-server': 'no dev server is set (config devServer), or the task has no worktree to run it in',
  blocked: 'the task depends on tasks that are not Done yet; the message names them',
  'dependency-cycle': 'the dependencies would form a cycle; the message names it',
  'untrusted-settings':
    'config.json sets commands or agent permissions you have not trusted here; the message names them and how to trust them',
  'agent-not-allowed':
    'this is for a person: an agent session may read the board, file follow-ups of its own task and comment on it',
  internal: 'an unexpected error; the studio’s log has the details',
};
