import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Every child a benchmark started, so a measurement that fails or times out leaves none behind. */
const children = new Set<ChildProcess>();

export function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** End the children that are still running (the ones this run started, by their handles). */
export async function killAll(): Promise<void> {
  const alive = [...children].filter((c) => c.exitCode === null && c.signalCode === null);
  await Promise.all(alive.map((c) => stopChild(c, 3_000)));
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
export function stopChild(child: ChildProcess, graceMs = 5_000): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
    child.kill('SIGTERM');
  });
}

/** Kilobytes from a line of /proc/<pid>/status, e.g. VmRSS or VmHWM; NaN when the process is gone. */
export function procStatusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
    return match ? Number(match[1]) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

export interface Started {
  child: ChildProcess;
  pid: number;
  /** Milliseconds from spawn to the first output line matching `ready`. */
  readyMs: number;
  match: RegExpMatchArray;
  output(): { stdout: string; stderr: string };
}

/** Spawn a command and resolve when its stdout (or stderr) prints a line matching `ready`. */
export function spawnUntil(
  command: string,
  args: string[],
  ready: RegExp,
  options: SpawnOptions & { timeoutMs?: number; readStderr?: boolean } = {},
): Promise<Started> {
  const { timeoutMs = 60_000, readStderr = false, ...spawnOptions } = options;
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = track(spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...spawnOptions }));
    let stdout = '';
    let stderr = '';
    let done = false;
    const finish = (err: Error | null, match?: RegExpMatchArray) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) {
        void stopChild(child, 1_000);
        reject(err);
      } else
        resolve({
          child,
          pid: child.pid!,
          readyMs: performance.now() - started,
          match: match!,
          output: () => ({ stdout, stderr }),
        });
    };
    const check = (text: string) => {
      const match = text.match(ready);
      if (match) finish(null, match);
    };
    const timer = setTimeout(
      () => finish(new Error(`${command} did not print ${ready} within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`)),
      timeoutMs,
    );
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk;
      check(stdout);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk;
      if (readStderr) check(stderr);
    });
    child.on('error', (err) => finish(err));
    child.on('exit', (code, signal) =>
      finish(new Error(`${command} exited (${code ?? signal}) before ready\nstdout: ${stdout}\nstderr: ${stderr.slice(-2000)}`)),
    );
  });
}

/**
 * CPU seconds of a process from /proc/<pid>/stat (100 ticks per second on Linux): its own
 * (utime + stime) and that of its children it has already reaped (cutime + cstime); 0 when gone.
 */
export function cpuSecondsOf(pid: number | 'self'): { own: number; reaped: number } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the command: state(0) ppid(1) … utime(11) stime(12) cutime(13) cstime(14).
    return {
      own: (Number(fields[11]) + Number(fields[12])) / 100,
      reaped: (Number(fields[13]) + Number(fields[14])) / 100,
    };
  } catch {
    return { own: 0, reaped: 0 };
  }
}

/** The live descendants of `root` whose command line matches `pattern`. */
export function descendants(root: number, pattern: RegExp): number[] {
  const parents = new Map<number, number>();
  const commands = new Map<number, string>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parents.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      commands.set(Number(name), readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' '));
    } catch {}
  }
  const isDescendant = (pid: number): boolean => {
    for (let p = parents.get(pid); p !== undefined && p > 1; p = parents.get(p)) if (p === root) return true;
    return false;
  };
  return [...parents.keys()].filter((pid) => isDescendant(pid) && pattern.test(commands.get(pid) ?? ''));
}
