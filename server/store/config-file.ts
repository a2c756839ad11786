import { CONFIG_KEY_ORDER, Config } from '../../shared/config.js';
import { describeZodIssues } from '../lib/zod-issues.js';
import { canonicalJson, parseJsonObject } from './canonical.js';

export class InvalidConfigError extends Error {
  override name = 'InvalidConfigError';
}

export const DEFAULT_CONFIG: Config = Config.parse({});

/** Missing fields take their defaults; a wrong field fails with its name. */
export function parseConfig(text: string): { config: Config; raw: Record<string, unknown> } {
  let raw: Record<string, unknown>;
  try {
    raw = parseJsonObject(text);
  } catch (err) {
    throw new InvalidConfigError((err as Error).message);
  }
  const result = Config.safeParse(raw);
  if (!result.success) throw new InvalidConfigError(describeZodIssues(result.error.issues));
  return { config: result.data, raw };
}

export function serializeConfig(config: Config, raw?: Record<string, unknown>): string {
  return canonicalJson(config, CONFIG_KEY_ORDER, raw);
}
