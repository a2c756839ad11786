import { z } from 'zod';

/** One check on the PR head: a check run or a commit status, as the card and the drawer show it. */
export const CheckState = z.enum(['pending', 'passing', 'failing']);
export type CheckState = z.infer<typeof CheckState>;

export const PullRequestCheck = z.object({
  name: z.string(),
  state: CheckState,
  url: z.string().nullable().default(null),
  /** The check's own summary (a check run's output title and summary, a status's description), shortened. */
  summary: z.string().nullable().default(null),
});
export type PullRequestCheck = z.infer<typeof PullRequestCheck>;

/** `none`: the head has no checks at all. Otherwise the worst of them: failing, then pending, then passing. */
export const ChecksSummary = z.object({
  state: z.enum(['none', 'pending', 'passing', 'failing']),
  items: z.array(PullRequestCheck).max(200).default([]),
});
export type ChecksSummary = z.infer<typeof ChecksSummary>;

/** The task's pull request on GitHub, as last seen there. */
export const PullRequestRecord = z.object({
  number: z.number().int().positive(),
  url: z.string(),
  state: z.enum(['open', 'closed', 'merged']),
  draft: z.boolean(),
  headSha: z.string(),
  checks: ChecksSummary.default({ state: 'none', items: [] }),
  updatedAt: z.string(),
});
export type PullRequestRecord = z.infer<typeof PullRequestRecord>;

/** The GitHub issue a task was imported from. */
export const IssueRef = z.object({ number: z.number().int().positive(), url: z.string() });
export type IssueRef = z.infer<typeof IssueRef>;

/** Where a review comment came from when it was not made on the board. */
export const CommentSource = z.object({
  forge: z.literal('github'),
  /** GitHub's id of the comment (a review comment, or a review for its body). */
  id: z.number().int(),
  kind: z.enum(['line', 'review']),
  author: z.string(),
  url: z.string(),
});
export type CommentSource = z.infer<typeof CommentSource>;

/** What `project.info` says about the link to GitHub. */
export const GithubLinkInfo = z.object({
  /** `owner/name`, or null when the repository is not on GitHub. */
  repo: z.string().nullable(),
  remote: z.string(),
  apiUrl: z.string(),
  /** Where the API base came from. */
  apiUrlFrom: z.enum(['config', 'env', 'default']),
  tokenFound: z.boolean(),
  /** Where the token came from (never the token itself). */
  tokenFrom: z.enum(['GH_TOKEN', 'GITHUB_TOKEN', 'gh', 'none']),
  landing: z.enum(['merge', 'pull-request']),
  /** Why the studio cannot work through GitHub (or a setting it ignores), with what to do; null when all is well. */
  error: z.string().nullable(),
});
export type GithubLinkInfo = z.infer<typeof GithubLinkInfo>;
