import { z } from 'zod';

const modelRef = z
  .string()
  .regex(/^[^/\s]+\/\S+$/, 'a model is written "provider/model"')
  .nullable()
  .default(null);

export const PhaseModels = z.object({
  planning: modelRef,
  implementation: modelRef,
  review: modelRef,
});
export type PhaseModels = z.infer<typeof PhaseModels>;

const PermissionAction = z.enum(['ask', 'allow', 'deny']);
/**
 * An OpenCode permission ruleset, the shape of `permission` in opencode.json: one action for
 * everything, or per tool an action or a map of pattern -> action (e.g. `{"bash": {"git *": "allow", "*": "ask"}}`).
 */
export const PermissionPolicy = z.union([
  PermissionAction,
  z.record(z.string().min(1), z.union([PermissionAction, z.record(z.string().min(1), PermissionAction)])),
]);
export type PermissionPolicy = z.infer<typeof PermissionPolicy>;
/** Files whose content decides whether a warm slot's setup runs again when the base moves, e.g. `package-lock.json`. */
export const WorktreeSetupInputs = z
  .array(
    z
      .string()
      .trim()
      .min(1, 'a file name must not be empty')
      .max(500)
      .refine((g) => !g.startsWith('/') && !g.split('/').includes('..'), 'a path is relative to the repository and has no ".."'),
  )
  .max(50);
/** The ports handed to tasks, both ends included. */
export const PortRange = z
  .array(z.number().int().min(1024).max(65535))
  .length(2, 'portRange is two ports: [low, high]')
  .refine(([low = 0, high = 0]) => low <= high, 'portRange is [low, high] with low <= high');
/** The command that serves a task's worktree to try it, e.g. `npm run dev -- --port $PORT`. */
export const DevServer = z.string().trim().min(1, 'the dev server command must not be empty').max(2000).nullable();
/** Shell commands run in order in each new worktree before its first phase, e.g. `npm ci`. */
export const WorktreeSetup = z.array(z.string().trim().min(1, 'a setup command must not be empty').max(2000)).max(50);
/** Globs of untracked files copied from the checkout into each new worktree, e.g. `.env`. */
export const WorktreeCopy = z
  .array(
    z
      .string()
      .trim()
      .min(1, 'a glob must not be empty')
      .max(500)
      .refine((g) => !g.startsWith('/') && !g.split('/').includes('..'), 'a glob is relative to the repository and has no ".."'),
  )
  .max(50);

/** Where the repository lives on GitHub; both null: read from the remote's URL and the environment. */
export const GithubSettings = z.object({
  /** `owner/name`, overriding the one in the remote's URL. */
  repo: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'github.repo is written "owner/name"')
    .nullable()
    .default(null),
  /** The API base, e.g. `https://github.example.com/api/v3` for GitHub Enterprise. The token is sent there. */
  apiUrl: z
    .url({ protocol: /^https?$/, error: 'github.apiUrl is an http(s) URL' })
    .nullable()
    .default(null),
});
export type GithubSettings = z.infer<typeof GithubSettings>;
/** `merge`: Review's primary action merges locally. `pull-request`: it opens a PR, and Done follows GitHub. */
export const Landing = z.enum(['merge', 'pull-request']);
export type Landing = z.infer<typeof Landing>;
export const RemoteName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'remote is the name of a git remote, e.g. "origin"');

/** Seconds without output (no part, no token, no tool call) before a running phase shows as stalled; 0: never. */
export const PhaseStallSeconds = z.number().int().min(0).max(86_400);
/** Minutes a phase's agent run may take before it is stopped with `phase-timeout`; 0: no limit. Fractions allowed, down to 3 s. */
export const PhaseTimeoutMinutes = z
  .number()
  .min(0)
  .max(1_440)
  .refine((m) => m === 0 || m >= 0.05, 'phaseTimeoutMinutes is 0 (no limit) or at least 0.05 (3 s)');

/** `.opencode-studio/config.json`: project settings, committed, never a secret. */
export const Config = z.looseObject({
  version: z.literal(1).default(1),
  baseBranch: z.string().min(1).default('main'),
  requirePlanApproval: z.boolean().default(true),
  maxParallel: z.number().int().min(1).max(32).default(3),
  maxReviewIterations: z.number().int().min(0).max(20).default(2),
  models: PhaseModels.default({ planning: null, implementation: null, review: null }),
  /** Where task worktrees go; relative paths resolve against the repo root. Null: a sibling folder `<repo>.worktrees`. */
  worktreeDir: z.string().min(1).nullable().default(null),
  /** Give the agent sessions the studio's own MCP tools (`opencode-studio mcp`), e.g. to split a task into follow-ups. */
  mcp: z.boolean().default(false),
  /** Passed to OpenCode with every session the studio creates; null leaves OpenCode's own config in charge. */
  permission: PermissionPolicy.nullable().default(null),
  /** True: refuse every permission request and dismiss every question instead of asking a person. */
  unattended: z.boolean().default(false),
  worktreeSetup: WorktreeSetup.default([]),
  worktreeCopy: WorktreeCopy.default([]),
  /** The git remote that tasks are pushed to and that names the GitHub repository. */
  remote: RemoteName.default('origin'),
  github: GithubSettings.default({ repo: null, apiUrl: null }),
  landing: Landing.default('merge'),
  /** Spare worktrees kept ready at the base tip, set up, their OpenCode instance started; 0 turns them off. */
  warmSlots: z.number().int().min(0).max(8).default(1),
  /** When the base moves, a spare's setup runs again only if one of these files changed (none named: always). */
  worktreeSetupInputs: WorktreeSetupInputs.default([]),
  portRange: PortRange.default([4200, 4299]),
  devServer: DevServer.default(null),
  phaseStallSeconds: PhaseStallSeconds.default(300),
  phaseTimeoutMinutes: PhaseTimeoutMinutes.default(60),
});
export type Config = z.infer<typeof Config>;

export const CONFIG_KEY_ORDER = [
  'version',
  'baseBranch',
  'requirePlanApproval',
  'maxParallel',
  'maxReviewIterations',
  'models',
  'worktreeDir',
  'mcp',
  'permission',
  'unattended',
  'worktreeSetup',
  'worktreeCopy',
  'remote',
  'github',
  'landing',
  'warmSlots',
  'worktreeSetupInputs',
  'portRange',
  'devServer',
  'phaseStallSeconds',
  'phaseTimeoutMinutes',
] as const;

export const ConfigPatch = z
  .object({
    baseBranch: z.string().min(1).optional(),
    requirePlanApproval: z.boolean().optional(),
    maxParallel: z.number().int().min(1).max(32).optional(),
    maxReviewIterations: z.number().int().min(0).max(20).optional(),
    models: PhaseModels.partial().optional(),
    worktreeDir: z.string().min(1).nullable().optional(),
    mcp: z.boolean().optional(),
    permission: PermissionPolicy.nullable().optional(),
    unattended: z.boolean().optional(),
    worktreeSetup: WorktreeSetup.optional(),
    worktreeCopy: WorktreeCopy.optional(),
    remote: RemoteName.optional(),
    github: GithubSettings.partial().optional(),
    landing: Landing.optional(),
    warmSlots: z.number().int().min(0).max(8).optional(),
    worktreeSetupInputs: WorktreeSetupInputs.optional(),
    portRange: PortRange.optional(),
    devServer: DevServer.optional(),
    phaseStallSeconds: PhaseStallSeconds.optional(),
    phaseTimeoutMinutes: PhaseTimeoutMinutes.optional(),
  })
  .strict();
export type ConfigPatch = z.infer<typeof ConfigPatch>;
