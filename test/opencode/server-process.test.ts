import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueResponder } from '../../server/demo/scripted-model.js';
import { AgentRunner } from '../../server/opencode/agent-runner.js';
import {
  isolatedOpencodeEnv,
  OpencodeProcess,
  type OpencodeStatus,
  opencodeBinary,
} from '../../server/opencode/server-process.js';
import { groupMembers, type Harness, startHarness, waitFor } from './harness.js';

let h: Harness;
const statuses: OpencodeStatus[] = [];
beforeAll(async () => {
  h = await startHarness(queueResponder([], { text: 'Still here.' }), { onStatus: (s) => statuses.push(s) });
});
afterAll(async () => {
  await h?.close();
});

describe('OpencodeProcess', () => {
  it('serves on loopback behind the random password', async () => {
    const { url } = h.opencode.status;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${url}/global/health`)).status).toBe(401);
    expect((await fetch(`${url}/global/health`, { headers: { authorization: h.opencode.authHeader() } })).status).toBe(200);
    expect(h.opencode.password.length).toBeGreaterThan(20);
    expect(h.opencode.logTail()).toContain('opencode server listening on');
  });

  it('restarts on the same URL after being killed behind its back, and runs work again', async () => {
    const before = h.opencode.status.url;
    const pid = h.opencode.pid!;
    statuses.length = 0;
    process.kill(pid, 'SIGKILL');
    await waitFor(() => statuses.some((s) => s.state === 'starting'), 10_000, 'the restart');
    await waitFor(() => h.opencode.status.state === 'ready', 30_000, 'ready again');
    expect(statuses[0]?.reason).toMatch(/OpenCode exited \(SIGKILL\); restarting \(attempt 1 of 5\)/);
    expect(h.opencode.pid).not.toBe(pid);
    expect(h.opencode.status.url).toBe(before);

    // The runner created before the crash reconnects its event stream by itself.
    const result = await h.runner.runPhase({
      directory: h.repo(),
      agent: 'build',
      phase: 'implementation',
      title: 'after restart',
      prompt: 'Again.',
    });
    expect(result.text).toBe('Still here.');
  });

  // The studio does not wait for the runner to notice a dead server by itself (that can take long on a
  // loaded machine): OpencodeLink closes the runner as soon as the process restarts. That is what this checks.
  it('restarts a killed server, and a run waiting on it fails once its runner is closed', async () => {
    h.model.setResponder(queueResponder([{ text: 'never sent', delayMs: 60_000 }], { text: 'Still here.' }));
    const asked = h.model.requests.length;
    const runner = new AgentRunner({ url: h.opencode.status.url!, authHeader: h.opencode.authHeader() });
    const run = runner.runPhase({
      directory: h.repo(),
      agent: 'build',
      phase: 'implementation',
      title: 'doomed',
      prompt: 'Slowly.',
    });
    const outcome = run.then(
      () => 'finished',
      (err: Error) => err.name,
    );
    await waitFor(() => h.model.requests.length > asked, 20_000, 'the model request');
    const pid = h.opencode.pid!;
    process.kill(pid, 'SIGKILL');
    await waitFor(() => h.opencode.status.state === 'ready' && h.opencode.pid !== pid, 90_000, 'the restart');
    runner.close();
    expect(['RunnerClosedError', 'PhaseFailedError']).toContain(await outcome);
  });

  it('stop() leaves no process behind', async () => {
    const pid = h.opencode.pid!;
    expect(groupMembers(pid).length).toBeGreaterThan(0);
    await h.opencode.stop();
    expect(groupMembers(pid)).toEqual([]);
    expect(h.opencode.status).toEqual({ state: 'unavailable', url: null, reason: 'stopped' });
    expect(h.opencode.pid).toBeNull();
  });

  it('gives up with the log tail when it is not ready in time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'studio-opencode-slow-'));
    const proc = new OpencodeProcess({ cwd: dir, env: isolatedOpencodeEnv(dir), startTimeoutMs: 50 });
    try {
      const status = await proc.start();
      expect(status.state).toBe('unavailable');
      expect(status.reason).toContain('OpenCode did not become ready within');
      expect(proc.pid).toBeNull();
    } finally {
      await proc.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('finds the binary of the opencode-ai dependency and isolates its environment', () => {
    expect(existsSync(opencodeBinary())).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'studio-opencode-env-'));
    const env = isolatedOpencodeEnv(dir);
    expect(env.XDG_CONFIG_HOME?.startsWith(dir)).toBe(true);
    expect(env.HOME?.startsWith(dir)).toBe(true);
    expect(env.OPENCODE_DISABLE_MODELS_FETCH).toBe('1');
    rmSync(dir, { recursive: true, force: true });
  });
});
