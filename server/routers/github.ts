import { IdInput } from '../../shared/api.js';
import { ImportIssuesInput, ImportIssuesResult, OpenPullRequestInput } from '../../shared/github-api.js';
import { Task } from '../../shared/task.js';
import { procedure } from '../trpc.js';
import { rest } from './meta.js';

const meta = (path: `/${string}`, summary: string) => rest('POST', path, summary, 'github');

/**
 * The GitHub actions on a task and the issue import; merged into `tasks.*`. Each is a person's
 * act (the default access): it pushes to the team's remote and speaks on GitHub as the user.
 */
export const githubProcedures = {
  openPullRequest: procedure
    .meta(
      meta(
        '/tasks/{id}/pull-request',
        'Push the task branch to the remote and open a pull request against the base branch (an open one for the branch is linked, not duplicated)',
      ),
    )
    .input(OpenPullRequestInput)
    .output(Task)
    .mutation(({ ctx, input }) => ctx.services.github.openPullRequest(input.id, input.draft ?? false)),
  syncPullRequest: procedure
    .meta(meta('/tasks/{id}/pull-request/sync', 'Read the pull request, its checks and review comments from GitHub now'))
    .input(IdInput)
    .output(Task)
    .mutation(({ ctx, input }) => ctx.services.github.syncPullRequest(input.id)),
  fixChecks: procedure
    .meta(
      meta(
        '/tasks/{id}/pull-request/fix-checks',
        'Run the fix phase on the failing checks of the pull request; the fix is pushed',
      ),
    )
    .input(IdInput)
    .output(Task)
    .mutation(({ ctx, input }) => ctx.services.github.pullRequests.fixChecks(input.id)),
  fixPullRequestComments: procedure
    .meta(
      meta(
        '/tasks/{id}/pull-request/fix-comments',
        'Run the fix phase on the open review comments from GitHub; the fix is pushed',
      ),
    )
    .input(IdInput)
    .output(Task)
    .mutation(({ ctx, input }) => ctx.services.github.pullRequests.fixComments(input.id)),
  importIssues: procedure
    .meta(meta('/tasks/import-issues', 'Create tasks from GitHub issues (again: update them); pull requests are skipped'))
    .input(ImportIssuesInput)
    .output(ImportIssuesResult)
    .mutation(({ ctx, input }) => ctx.services.github.importIssues(input)),
};
