import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { isolatedOpencodeEnv } from '../../../server/opencode/server-process.js';

export const ROOT = path.resolve(import.meta.dirname, '../../..');
const MAIN = path.join(ROOT, 'server/cli/main.ts');
const READY = /OpenCode Studio ready at (http:\/\/127\.0\.0\.1:\d+)\/\?token=([A-Za-z0-9_-]+)/;
const MAX_OUTPUT = 256 * 1024;

const started = new Set<ChildProcess>();

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface RawStudio {
  child: ChildProcess;
  pid: number;
  /** stdout and stderr, the last 256 KB. */
  output(): string;
  exited: Promise<Exit>;
  alive(): boolean;
  /** SIGKILL and wait until the process is gone. */
  kill9(): Promise<Exit>;
}

export interface StudioProcess extends RawStudio {
  root: string;
  url: string;
  token: string;
  host: string;
  port: number;
  /** Milliseconds from spawn to the ready line. */
  startMs: number;
  /** SIGTERM (a clean shutdown), SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<Exit>;
  /** Resident memory of the studio process in KB (from /proc), null once it is gone. */
  rssKb(): number | null;
  /** Used V8 heap in bytes right after a full GC (needs `inspect: true`). */
  heapAfterGc(): Promise<number>;
}

/**
 * How the studio gets its agent. `managed` is what a user gets (the studio starts its own
 * `opencode serve`; here with HOME and XDG dirs in a temp dir, so no real config or key is
 * used and OpenCode reports that no model is configured). `none` attaches to a closed loopback
 * port: no OpenCode process at all, agent actions are refused with a reason.
 */
export type AgentMode = 'managed' | 'none';

let opencodeHome: string | null = null;
function isolatedEnv(): Record<string, string> {
  opencodeHome ??= mkdtempSync(path.join(os.tmpdir(), 'studio-reliability-home-'));
  return isolatedOpencodeEnv(opencodeHome);
}

/**
 * The studio's CLI from source as one process (`node --import tsx`, so the pid is the studio
 * itself and SIGKILL really kills it; `tsx` as a wrapper would leave an orphan behind).
 */
export function spawnStudio(
  root: string,
  extraArgs: string[] = [],
  agent: AgentMode = 'none',
  nodeArgs: string[] = [],
  env: Record<string, string> = {},
): RawStudio {
  const agentArgs = agent === 'none' ? ['--opencode-url', 'http://127.0.0.1:9'] : [];
  return spawnNode([MAIN, root, '--no-open', '--port', '0', ...agentArgs, ...extraArgs], nodeArgs, env);
}

/** Any TypeScript entry point of this repo as a child (`node --import tsx`), its output kept. */
export function spawnNode(args: string[], nodeArgs: string[] = [], extraEnv: Record<string, string> = {}): RawStudio {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...isolatedEnv(), FORCE_COLOR: '0', ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.add(child);
  let out = '';
  const append = (chunk: Buffer) => {
    out += chunk.toString('utf8');
    if (out.length > MAX_OUTPUT) out = out.slice(-MAX_OUTPUT);
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  let exit: Exit | null = null;
  const exited = new Promise<Exit>((resolve) =>
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      started.delete(child);
      resolve(exit);
    }),
  );
  return {
    child,
    pid: child.pid!,
    output: () => out,
    exited,
    alive: () => exit === null,
    async kill9() {
      if (exit === null) child.kill('SIGKILL');
      return exited;
    },
  };
}

/** Start the studio and wait for its ready line. */
export async function launchStudio(
  root: string,
  options: {
    timeoutMs?: number;
    extraArgs?: string[];
    agent?: AgentMode;
    command?: string[];
    /** Laid over the isolated environment, e.g. another XDG_STATE_HOME. */
    env?: Record<string, string>;
    /** Open the V8 inspector on a loopback port, for heapAfterGc(). */
    inspect?: boolean;
  } = {},
): Promise<StudioProcess> {
  const t0 = performance.now();
  const nodeArgs = options.inspect ? ['--inspect=127.0.0.1:0'] : [];
  const raw = options.command
    ? spawnNode(options.command, nodeArgs, options.env)
    : spawnStudio(root, options.extraArgs, options.agent, nodeArgs, options.env);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const match = await new Promise<RegExpMatchArray>((resolve, reject) => {
    const timer = setTimeout(() => {
      void raw.kill9();
      reject(new Error(`the studio did not start within ${timeoutMs} ms:\n${raw.output()}`));
    }, timeoutMs);
    const onData = () => {
      const m = READY.exec(raw.output());
      if (m) {
        clearTimeout(timer);
        raw.child.stdout!.off('data', onData);
        resolve(m);
      }
    };
    raw.child.stdout!.on('data', onData);
    void raw.exited.then((e) => {
      clearTimeout(timer);
      reject(new Error(`the studio exited (${e.code ?? e.signal}) before it was ready:\n${raw.output()}`));
    });
  });
  const url = match[1]!;
  const u = new URL(url);
  return {
    ...raw,
    root,
    url,
    token: match[2]!,
    host: u.host,
    port: Number(u.port),
    startMs: performance.now() - t0,
    async stop(graceMs = 10_000) {
      if (!raw.alive()) return raw.exited;
      raw.child.kill('SIGTERM');
      const timer = setTimeout(() => raw.child.kill('SIGKILL'), graceMs);
      const exit = await raw.exited;
      clearTimeout(timer);
      return exit;
    },
    rssKb: () => rssKb(raw.pid),
    heapAfterGc: () => {
      const inspector = /Debugger listening on (ws:\/\/127\.0\.0\.1:\d+\/[\w-]+)/.exec(raw.output())?.[1];
      if (!inspector) return Promise.reject(new Error('the studio was not started with inspect: true'));
      return heapAfterGc(inspector);
    },
  };
}

/**
 * The studio's used heap after a full garbage collection, once it has settled. Right after busy
 * work a reading can be tens of MB high for seconds (95 MB twice in a row, then 28 MB, was seen),
 * which made a leak check fail in CI. So: readings a second apart until the last three agree
 * within 2% (at least 4, at most 10), and the smallest of them.
 */
async function heapAfterGc(url: string): Promise<number> {
  const readings: number[] = [];
  const settled = () => {
    const last = readings.slice(-3);
    return readings.length >= 4 && Math.max(...last) - Math.min(...last) <= 0.02 * Math.min(...last);
  };
  while (readings.length < 10 && !settled()) {
    if (readings.length) await new Promise((r) => setTimeout(r, 1000));
    readings.push(await heapReading(url));
  }
  return Math.min(...readings);
}

/** One full garbage collection in the studio, then its used heap in bytes (Chrome DevTools Protocol over the inspector). */
function heapReading(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error('the inspector did not answer'));
    }, 30_000);
    ws.on('open', () => {
      ws.send(JSON.stringify({ id: 1, method: 'HeapProfiler.collectGarbage' }));
      ws.send(JSON.stringify({ id: 2, method: 'HeapProfiler.collectGarbage' }));
      ws.send(JSON.stringify({ id: 3, method: 'Runtime.getHeapUsage' }));
    });
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as { id?: number; result?: { usedSize?: number } };
      if (msg.id !== 3) return;
      clearTimeout(timer);
      ws.close();
      resolve(msg.result?.usedSize ?? 0);
    });
    ws.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

export function rssKb(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** Live processes whose parent is `pid`, from /proc (Linux). */
export function childrenOf(pid: number): Array<{ pid: number; command: string }> {
  const out: Array<{ pid: number; command: string }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z' || Number(fields[1]) !== pid) continue;
      out.push({ pid: Number(entry), command: readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ') });
    } catch {
      // gone while we looked
    }
  }
  return out;
}

export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** The `opencode serve` processes a studio started (each leads its own process group). */
export const opencodeChildren = (studioPid: number) =>
  childrenOf(studioPid)
    .filter((c) => c.command.includes('opencode'))
    .map((c) => c.pid);

/** SIGKILL the process groups of opencode servers our studios started (after their studio was killed). */
export function killGroups(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/**
 * Stop every studio this file started that still runs: SIGTERM (so it stops its own OpenCode),
 * SIGKILL after a grace period, and the process groups of its OpenCode servers after that.
 */
export async function killStudios(): Promise<void> {
  const children = [...started];
  const groups = children.flatMap((c) => (c.pid ? opencodeChildren(c.pid) : []));
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(
    children.map((c) =>
      c.exitCode !== null || c.signalCode !== null
        ? null
        : new Promise<void>((resolve) => {
            const timer = setTimeout(() => c.kill('SIGKILL'), 10_000);
            c.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
          }),
    ),
  );
  killGroups(groups.filter(isAlive));
  if (opencodeHome) rmSync(opencodeHome, { recursive: true, force: true });
  opencodeHome = null;
}
