import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Responder,
  type ScriptedModel,
  scriptedOpencodeConfig,
  startScriptedModel,
} from '../../server/demo/scripted-model.js';
import { AgentRunner } from '../../server/opencode/agent-runner.js';
import { isolatedOpencodeEnv, OpencodeProcess, type OpencodeProcessOptions } from '../../server/opencode/server-process.js';
import type { ActivityEntry } from '../../shared/activity.js';

export type Harness = {
  root: string;
  model: ScriptedModel;
  opencode: OpencodeProcess;
  runner: AgentRunner;
  /** A fresh git repository, the directory the agent works in. */
  repo(): string;
  close(): Promise<void>;
};

/** A scripted model, a real `opencode serve` isolated in a temp dir, and a runner on it. */
export async function startHarness(
  responder: Responder,
  extra: Partial<OpencodeProcessOptions> = {},
  moreConfig: Record<string, unknown> = {},
): Promise<Harness> {
  const root = mkdtempSync(join(tmpdir(), 'studio-opencode-'));
  const model = await startScriptedModel(responder);
  const opencode = new OpencodeProcess({
    cwd: root,
    env: isolatedOpencodeEnv(join(root, 'opencode')),
    configContent: { ...scriptedOpencodeConfig(model.baseUrl), ...moreConfig },
    ...extra,
  });
  const status = await opencode.start();
  if (status.state !== 'ready') throw new Error(`opencode did not start: ${status.reason}`);
  const runner = new AgentRunner({ url: status.url!, authHeader: opencode.authHeader() });
  let repos = 0;
  return {
    root,
    model,
    opencode,
    runner,
    repo() {
      const dir = join(root, `repo-${++repos}`);
      mkdirSync(dir);
      const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'ignore' });
      git('init', '-q', '-b', 'main');
      git('-c', 'user.email=test@example.com', '-c', 'user.name=Test', 'commit', '-q', '--allow-empty', '-m', 'init');
      return dir;
    },
    async close() {
      runner.close();
      await opencode.stop();
      await model.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

export function recorder(): { entries: ActivityEntry[]; onActivity: (e: ActivityEntry) => void } {
  const entries: ActivityEntry[] = [];
  return { entries, onActivity: (e) => entries.push(e) };
}

export async function waitFor(check: () => boolean, timeoutMs = 20_000, what = 'a condition'): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Live (non-zombie) processes of a process group, read from /proc (Linux). */
export function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // the process ended while we were looking
    }
    // Fields after the parenthesised command name: state, ppid, pgrp, ...
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] !== 'Z' && Number(fields[2]) === pgid) members.push(Number(entry));
  }
  return members;
}
