import { z } from 'zod';
import type { Config } from './config.js';

/**
 * A setting of the committed `.opencode-studio/config.json` that runs a command on this machine
 * or loosens the agent. The studio uses such a value only once this user has trusted it for this
 * checkout (server/services/trust-service.ts). `needsTrust` says whether the value as set needs
 * trust at all (an empty command list does not).
 *
 * To add one (a new setting that runs a command), append an entry here: the banner, the
 * refusal, `opencode-studio trust` and the hash of the trust record all read this list.
 */
export interface SettingNeedingTrust {
  /** The name shown to a person, e.g. `worktreeSetup` or `github.apiUrl`. */
  key: string;
  /** What the value does, for the banner and the CLI prompt. */
  why: string;
  needsTrust(config: Config): boolean;
  /** The value as the studio uses it; by default the top-level field named `key` (give it for a nested one). */
  value?(config: Config): unknown;
}

export const SETTINGS_NEEDING_TRUST: SettingNeedingTrust[] = [
  {
    key: 'worktreeSetup',
    why: 'shell commands run in every new worktree',
    needsTrust: (config) => config.worktreeSetup.length > 0,
  },
  {
    key: 'devServer',
    why: 'a shell command the drawer’s Run starts in a task’s worktree',
    needsTrust: (config) => config.devServer !== null,
  },
  {
    key: 'mcp',
    why: 'gives the agent the studio’s own tools',
    needsTrust: (config) => config.mcp,
  },
  {
    key: 'permission',
    why: 'rules other than ask or deny let the agent act without asking you',
    needsTrust: (config) => allowsSomething(config.permission),
  },
  {
    key: 'github.apiUrl',
    why: 'your GitHub token is sent to this address',
    needsTrust: (config) => config.github.apiUrl !== null,
    value: (config) => config.github.apiUrl,
  },
];

/** Whether a permission ruleset has any rule other than `ask` or `deny`. */
function allowsSomething(value: unknown): boolean {
  if (value === null || value === undefined) return false;
  if (typeof value === 'string') return value !== 'ask' && value !== 'deny';
  if (typeof value === 'object') return Object.values(value).some(allowsSomething);
  return true;
}

export const TrustedValue = z.object({ key: z.string(), why: z.string(), value: z.json() });
export type TrustedValue = z.infer<typeof TrustedValue>;

/** Whether the studio may use the repo's settings that need trust: `not-needed` when none is set. */
export const TrustState = z.object({
  state: z.enum(['not-needed', 'trusted', 'untrusted']),
  /** The hash of the values below; the board sends it back with Trust, so a value changed since is not trusted unseen. */
  hash: z.string().nullable(),
  settings: z.array(TrustedValue),
});
export type TrustState = z.infer<typeof TrustState>;

/** The settings of `config` that need trust, each with its value exactly as the studio would use it. */
export function settingsNeedingTrust(config: Config): TrustedValue[] {
  return SETTINGS_NEEDING_TRUST.filter((s) => s.needsTrust(config)).map((s) => ({
    key: s.key,
    why: s.why,
    value: (s.value ? s.value(config) : (config as Record<string, unknown>)[s.key]) as z.core.util.JSONType,
  }));
}

/** One line per setting: `worktreeSetup = ["npm ci"]` (commands in full). */
export function describeSettings(settings: TrustedValue[]): string {
  return settings.map((s) => `${s.key} = ${JSON.stringify(s.value)}`).join('\n');
}
