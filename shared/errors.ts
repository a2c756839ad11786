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
  'github-not-linked',
  'github-no-token',
  'github-unauthorized',
  'github-forbidden',
  'github-rate-limited',
  'github-not-found',
  'github-unprocessable',
  'github-unreachable',
  'push-rejected',
  'no-model',
  'model-unreachable',
  'model-unauthorized',
  'model-rate-limited',
  'model-error',
  'model-stream-cut',
  'phase-timeout',
  'untrusted-settings',
  'agent-not-allowed',
  'disk-full',
  'read-only',
  'no-permission',
  'internal',
] as const;
export type ErrorReason = (typeof ERROR_REASONS)[number];

/** The file-system faults: the disk, not the request, is the problem (see server/lib/storage-fault.ts). */
export const STORAGE_FAULT_REASONS = ['disk-full', 'read-only', 'no-permission'] as const satisfies readonly ErrorReason[];
export type StorageFaultReason = (typeof STORAGE_FAULT_REASONS)[number];

export function isErrorReason(value: unknown): value is ErrorReason {
  return typeof value === 'string' && (ERROR_REASONS as readonly string[]).includes(value);
}

/** The HTTP statuses an error can answer with. */
export type ErrorStatus = 400 | 401 | 403 | 404 | 412 | 413 | 500;

/**
 * The HTTP status of each reason: the one place that decides it. The tRPC code (and so the
 * status of both the tRPC and the REST answer), the status the CLI and the MCP server report,
 * and the statuses the OpenAPI document declares all come from here (server/errors.ts).
 */
export const ERROR_REASON_STATUS: Record<ErrorReason, ErrorStatus> = {
  'not-found': 404,
  'invalid-input': 400,
  'invalid-file': 412,
  unauthorized: 401,
  forbidden: 403,
  'too-large': 413,
  'not-allowed-now': 412,
  'needs-force': 412,
  'already-running': 412,
  'not-running': 412,
  'nothing-to-retry': 412,
  'no-branch': 412,
  'merge-conflict': 412,
  'merge-conflict-in-task': 412,
  'dirty-checkout': 412,
  'wrong-checkout': 412,
  'opencode-unavailable': 412,
  'opencode-unsupported': 412,
  'studio-not-running': 412,
  'empty-plan': 412,
  'busy-file': 412,
  'setup-failed': 412,
  blocked: 412,
  'dependency-cycle': 400,
  'git-locked': 412,
  'untrusted-settings': 412,
  'agent-not-allowed': 403,
  // GitHub's refusals are the state of the link (token, repository, network), never the caller's own auth.
  'github-not-linked': 412,
  'github-no-token': 412,
  'github-unauthorized': 412,
  'github-forbidden': 412,
  'github-rate-limited': 412,
  'github-not-found': 412,
  'github-unprocessable': 412,
  'github-unreachable': 412,
  'push-rejected': 412,
  'no-model': 412,
  'model-unreachable': 412,
  'model-unauthorized': 412,
  'model-rate-limited': 412,
  'model-error': 412,
  'model-stream-cut': 412,
  'phase-timeout': 412,
  'no-free-port': 412,
  'no-dev-server': 412,
  // The disk, not the request: retrying once the person has made room (or fixed the mount) works.
  'disk-full': 412,
  'read-only': 412,
  'no-permission': 412,
  internal: 500,
};

/** What each reason means, for docs/scripts.md and the OpenAPI document. */
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
  'github-not-linked':
    'the repository has no GitHub remote (config `remote`, default origin); add one with `git remote add origin https://github.com/OWNER/NAME.git` or set `github.repo`',
  'github-no-token':
    'no GitHub token was found; set GH_TOKEN or GITHUB_TOKEN, or log in with `gh auth login`, then restart the studio',
  'github-unauthorized': 'GitHub refused the token (401); it is wrong or expired: make a new one and set GH_TOKEN',
  'github-forbidden':
    'GitHub refused the action (403); the token lacks a scope or a permission on the repository (contents and pull requests: write)',
  'github-rate-limited': 'GitHub’s rate limit is used up; the message says when it resets',
  'github-not-found':
    'GitHub answered 404: the repository does not exist or the token has no access to it; check `github.repo` and the token’s repositories',
  'github-unprocessable':
    'GitHub refused the request (422), e.g. the base branch is missing on the remote; the message has GitHub’s words',
  'github-unreachable': 'GitHub (or the GitHub Enterprise host in `github.apiUrl`) cannot be reached; check the network',
  'push-rejected':
    'the remote refused the push of the task branch (e.g. not a fast-forward: someone else pushed to it); update the branch, then try again',
  'no-model': 'OpenCode has no model to use; connect a provider with `opencode auth login` or choose one in Settings → models',
  'model-unreachable': 'the model’s API could not be reached; check the network and the provider’s base URL in OpenCode’s config',
  'model-unauthorized':
    'the model’s API refused the key; run `opencode auth login` for that provider (or fix its apiKey), then retry',
  'model-rate-limited': 'the model’s API is rate limiting; the message says when to retry',
  'model-error': 'the model’s API answered with an error; the message quotes it',
  'model-stream-cut':
    'the model’s answer stopped mid-stream (the connection dropped) and OpenCode’s own retries gave up; retry when the provider is reachable again',
  'phase-timeout': 'the phase ran longer than phaseTimeoutMinutes and was stopped; retry it, or raise the limit in Settings',
  'untrusted-settings':
    'config.json sets commands or agent permissions you have not trusted here; the message names them and how to trust them',
  'agent-not-allowed':
    'this is for a person: an agent session may read the board, file follow-ups of its own task and comment on it',
  'disk-full':
    'the disk (or the user’s quota) holding the named path is full, so nothing was written; free some space there, then retry',
  'read-only':
    'the named path is on a read-only file system, so nothing was written; remount it read-write (or move the repository), then retry',
  'no-permission':
    'the studio’s user may not write the named path, so nothing was written; give it write access (chown or chmod), then retry',
  internal: 'an unexpected error; the studio’s log has the details',
};
