import { existsSync } from 'node:fs';
import path from 'node:path';
import { freePort } from './http.js';
import { CLI } from './paths.js';
import { procStatusKb, spawnUntil } from './processes.js';

export const READY_LINE = /OpenCode Studio ready at (http:\/\/127\.0\.0\.1:(\d+))\/\?token=([A-Za-z0-9_-]+)/;

export interface Shutdown {
  /** SIGTERM to the studio having released the repo (runtime/server.json removed: its last shutdown step). */
  closedMs: number;
  /** SIGTERM to process exit; null when we did not wait for it. */
  exitMs: number | null;
  code: number | null;
}

export interface StudioProcess {
  url: string;
  token: string;
  pid: number;
  /** Spawn to the "ready" line, as the parent saw it. */
  readyMs: number;
  /** VmRSS in KiB now. */
  rssKb(): number;
  /** VmHWM (peak RSS) in KiB so far. */
  peakKb(): number;
  output(): { stdout: string; stderr: string };
  /**
   * SIGTERM, then wait until the studio has closed everything (its runtime file is gone). With
   * `waitExit` also wait for the process to end by itself (up to 20 s); otherwise a process that
   * lingers after closing is killed, so the benchmark does not wait out idle timers.
   */
  stop(options?: { waitExit?: boolean }): Promise<Shutdown>;
}

export interface StudioProcessOptions {
  /**
   * 'managed' (the default CLI: the studio starts its own `opencode serve` in the background) or
   * 'none': `--opencode-url` pointing at a closed loopback port, so no OpenCode process competes
   * for the 2 cores while the studio's own figures are measured (agent actions are refused).
   */
  opencode?: 'managed' | 'none';
  timeoutMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Start the built CLI (`dist/server/cli/main.js <repo> --no-open --port 0`) as users do, in its own process. */
export async function startStudioProcess(repo: string, options: StudioProcessOptions = {}): Promise<StudioProcess> {
  const { opencode = 'none', timeoutMs = 60_000 } = options;
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build:server" (npm run bench builds first)`);
  const args = [CLI, repo, '--no-open', '--port', '0'];
  if (opencode === 'none') args.push('--opencode-url', `http://127.0.0.1:${await freePort()}`);
  const started = await spawnUntil(process.execPath, args, READY_LINE, {
    cwd: repo,
    timeoutMs,
    env: { ...process.env, NODE_ENV: 'production' },
  });
  const child = started.child;
  const runtimeFile = path.join(repo, '.opencode-studio', 'runtime', 'server.json');
  const exited = new Promise<number | null>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
  const isDone = () => child.exitCode !== null || child.signalCode !== null;
  return {
    url: started.match[1]!,
    token: started.match[3]!,
    pid: started.pid,
    readyMs: started.readyMs,
    rssKb: () => procStatusKb(started.pid, 'VmRSS'),
    peakKb: () => procStatusKb(started.pid, 'VmHWM'),
    output: started.output,
    async stop({ waitExit = false } = {}) {
      if (isDone()) return { closedMs: 0, exitMs: 0, code: child.exitCode };
      const t0 = performance.now();
      child.kill('SIGTERM');
      while (!isDone() && existsSync(runtimeFile) && performance.now() - t0 < 10_000) await sleep(10);
      const closedMs = performance.now() - t0;
      if (waitExit) {
        const code = await Promise.race([exited, sleep(20_000).then(() => 'timeout' as const)]);
        if (code !== 'timeout') return { closedMs, exitMs: performance.now() - t0, code };
      } else {
        const code = await Promise.race([exited, sleep(200).then(() => 'linger' as const)]);
        if (code !== 'linger') return { closedMs, exitMs: performance.now() - t0, code };
      }
      child.kill('SIGKILL');
      await exited;
      return { closedMs, exitMs: null, code: null };
    },
  };
}
