/**
 * Kills the process groups of managed children when this process goes away, so an
 * `opencode serve` never outlives the studio. The handlers are installed only while a child
 * is alive, and a signal is re-raised when nobody else handles it, keeping Node's default exit.
 */

const groups = new Set<number>();
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export function trackGroup(pid: number): void {
  if (groups.size === 0) install();
  groups.add(pid);
}

export function untrackGroup(pid: number): void {
  groups.delete(pid);
  if (groups.size === 0) uninstall();
}

/** Signals a child's whole process group (it was spawned detached, so it leads one). */
export function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

function killAll(): void {
  for (const pid of groups) signalGroup(pid, 'SIGKILL');
  groups.clear();
}

function onExit(): void {
  killAll();
}

function onSignal(signal: NodeJS.Signals): void {
  killAll();
  uninstall();
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function install(): void {
  process.on('exit', onExit);
  for (const s of SIGNALS) process.on(s, onSignal);
}

function uninstall(): void {
  process.off('exit', onExit);
  for (const s of SIGNALS) process.off(s, onSignal);
}
