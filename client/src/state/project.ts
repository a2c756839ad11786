import { createSignal } from 'solid-js';
import { createStore, reconcile } from 'solid-js/store';
import type { ProjectInfo } from '../../../shared/api.js';
import type { Config } from '../../../shared/config.js';
import type { OpencodeState, Problem, StorageFault, StudioEvent } from '../../../shared/events.js';
import type { SlotState } from '../../../shared/task-env.js';
import type { TrustState } from '../../../shared/trust.js';

export type Connection = 'connecting' | 'live' | 'reconnecting';

type ProjectState = {
  info: Omit<ProjectInfo, 'config' | 'problems' | 'opencode' | 'storage'> | null;
  config: Config | null;
  opencode: OpencodeState | null;
  problems: Problem[];
  /** The disk refused the studio's last write; null once a write succeeded. */
  storage: StorageFault | null;
};

const [project, setProject] = createStore<ProjectState>({
  info: null,
  config: null,
  opencode: null,
  problems: [],
  storage: null,
});

export { project };

const [connection, setConnection] = createSignal<Connection>('connecting');

export { connection, setConnection };

/** Why actions are off right now: the studio cannot be reached (stopped or restarting). Null while it can. */
export function offlineReason(): string | null {
  return connection() === 'reconnecting'
    ? 'The studio is not running or not reachable; this page reconnects by itself when it is back.'
    : null;
}

/** The events that change what `setProjectInfo` sets: an info answer is laid under them (answers.ts). */
const PROJECT_EVENTS = new Set<StudioEvent['type']>([
  'config.updated',
  'opencode.status',
  'file.invalid',
  'file.recovered',
  'storage.fault',
  'storage.recovered',
  'slots.updated',
]);

export function coveredByProjectInfo(event: StudioEvent): boolean {
  return PROJECT_EVENTS.has(event.type);
}

export function setProjectInfo(info: ProjectInfo): void {
  const { config, problems, opencode, storage, ...rest } = info;
  setProject('info', reconcile(rest));
  setProject('config', reconcile(config));
  setProject('opencode', reconcile(opencode));
  setProject('problems', reconcile(problems, { key: 'path' }));
  setStorage(storage ?? null);
}

export function setStorage(fault: StorageFault | null): void {
  setProject('storage', fault);
}

export function setTrust(trust: TrustState): void {
  if (project.info) setProject('info', 'trust', reconcile(trust));
}

export function setConfig(config: Config): void {
  setProject('config', reconcile(config));
}

export function setSlots(slots: SlotState[]): void {
  if (project.info) setProject('info', 'slots', reconcile(slots, { key: 'name' }));
}

export function setOpencode(state: OpencodeState): void {
  setProject('opencode', reconcile(state));
}

export function addProblem(problem: Problem): void {
  setProject('problems', (list) => [...list.filter((p) => p.path !== problem.path), problem]);
}

export function clearProblem(path: string): void {
  setProject('problems', (list) => list.filter((p) => p.path !== path));
}
