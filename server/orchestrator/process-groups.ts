import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { backgroundPrefix } from '../lib/background.js';
import { signalGroup, trackGroup, untrackGroup } from '../opencode/process-reaper.js';
import { readRuntimeJsonSync, writeRuntimeJsonSync } from '../store/runtime-json.js';

const GroupEntry = z.object({ pid: z.number().int().positive(), start: z.string(), what: z.string() });
const Records = z.array(GroupEntry);
type GroupRecord = z.infer<typeof GroupEntry>;

export interface GroupSpawn {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Background work such as a slot's setup: on CPU time nothing else wants (`backgroundPrefix`). */
  background?: boolean;
  /** For the log of the start that reaps it: "dev server of <task>", "setup of slot-2". */
  what: string;
}

/**
 * Shell commands the studio starts for the user (dev servers, slot setups), each leading its own
 * process group. Each group is written to `runtime/children.json` the moment it starts, so a
 * studio killed with -9 leaves a record, and the next start kills what is left (`reapLeftovers`).
 * A normal exit (or SIGINT/SIGTERM) kills them through the same reaper as the OpenCode server.
 */
export class ProcessGroups {
  private readonly live = new Map<number, GroupRecord>();

  constructor(private readonly file: string) {}

  spawn(command: string, o: GroupSpawn): ChildProcessWithoutNullStreams {
    const argv = [...(o.background ? backgroundPrefix() : []), '/bin/sh', '-c', command];
    const child = spawn(argv[0]!, argv.slice(1), { cwd: o.cwd, env: o.env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    child.stdin.end();
    const pid = child.pid;
    if (!pid) return child;
    trackGroup(pid);
    this.live.set(pid, { pid, start: processStart(pid) ?? '', what: o.what });
    this.save();
    child.once('exit', () => {
      // The leader is gone; anything it left in its group goes with it.
      signalGroup(pid, 'SIGKILL');
      untrackGroup(pid);
      this.live.delete(pid);
      this.save();
    });
    return child;
  }

  /** Kills the groups a studio that did not shut down left running; returns what they were, for the log. */
  reapLeftovers(): string[] {
    const left = readRuntimeJsonSync(this.file, Records, []);
    const reaped: string[] = [];
    for (const r of left) {
      if (this.live.has(r.pid)) continue;
      const same = processStart(r.pid) === r.start || (processStart(r.pid) === null && groupHasMembers(r.pid));
      if (same && signalGroup(r.pid, 'SIGKILL')) reaped.push(`${r.what} (pid ${r.pid})`);
    }
    this.save();
    return reaped;
  }

  private save(): void {
    try {
      writeRuntimeJsonSync(this.file, [...this.live.values()]);
    } catch (err) {
      console.error(`could not record the studio's child processes in ${this.file}:`, err);
    }
  }
}

/** The start time of a process in clock ticks since boot (field 22 of /proc/<pid>/stat): tells a reused pid apart. */
function processStart(pid: number): string | null {
  const fields = statFields(pid);
  return fields ? (fields[19] ?? null) : null;
}

/** Fields after the command name (which may hold spaces), so index 0 is the state, 2 the process group. */
function statFields(pid: number | string): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** Linux never hands out a pid that still names a live group, so members of group `pgid` are the ones we started. */
function groupHasMembers(pgid: number): boolean {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    if (statFields(entry)?.[2] === String(pgid)) return true;
  }
  return false;
}
