import fs from 'node:fs/promises';
import type { OpencodeClient, OpencodeClientConfig } from '@opencode-ai/sdk/v2';
import type { OpencodeState } from '../../shared/events.js';
import { PreconditionError } from '../errors.js';
import type { EventBus } from '../events/event-bus.js';
import type { WorkspacePaths } from '../store/paths.js';
import { forgetOpencodePid, readOpencodePid, recordOpencodePid } from '../store/runtime-file.js';
import type { AgentRunner } from './agent-runner.js';
import { signalGroup } from './process-reaper.js';
import { checkOpencodeServer, UnsupportedOpencodeError } from './server-compat.js';
import { OpencodeProcess, type OpencodeStatus } from './server-process.js';

export type LinkMode =
  | { kind: 'managed'; env?: Record<string, string>; configContent?: Record<string, unknown> }
  | { kind: 'attached'; url: string };

export interface LinkOptions {
  root: string;
  paths: WorkspacePaths;
  bus: EventBus;
  mode: LinkMode;
  demo: boolean;
  log: (line: string) => void;
}

const READY_WAIT_MS = 90_000;
/**
 * Laid over the user's own OpenCode config (OpenCode merges OPENCODE_CONFIG_CONTENT last), so
 * only these keys change. No snapshots: the studio commits every phase on the task branch, and
 * OpenCode's snapshot, a `git add` of the whole worktree into its own store around each step,
 * only serves its own undo, which the studio never uses; on a 3,000-file repository it was most
 * of a phase's cost (README: "Use it on a real project").
 */
export const MANAGED_CONFIG: Readonly<Record<string, unknown>> = { snapshot: false };
const NO_MODEL =
  'OpenCode has no model configured: run "npx opencode auth login" (or add a provider to opencode.json), then restart the studio; or try "opencode-studio --demo"';

/** The studio's one OpenCode server: started and watched (managed) or attached by URL, with a runner for its sessions. */
export class OpencodeLink {
  private state: OpencodeState;
  private process: OpencodeProcess | null = null;
  private current: { url: string; runner: AgentRunner } | null = null;
  private waiters: Array<() => void> = [];
  private modelChecked = false;
  /** The URL whose server passed the version and route check (server-compat.ts). */
  private compatibleUrl: string | null = null;
  /** Set while the server at hand is one the studio cannot drive: refusals then say so. */
  private unsupported = false;
  private closing = false;

  constructor(private readonly options: LinkOptions) {
    const managed = options.mode.kind === 'managed';
    this.state = { state: 'starting', url: null, reason: null, managed, demo: options.demo };
  }

  status(): OpencodeState {
    return { ...this.state };
  }

  /** Starts in the background; progress goes to the log and to `opencode.status` events. */
  start(): void {
    const mode = this.options.mode;
    if (mode.kind === 'attached') {
      void this.setReady(mode.url.replace(/\/+$/, ''), null);
      return;
    }
    void this.startManaged(mode);
  }

  private async startManaged(mode: Extract<LinkMode, { kind: 'managed' }>): Promise<void> {
    await this.killOrphan();
    this.options.log('Starting OpenCode…');
    const proc = new OpencodeProcess({
      cwd: this.options.root,
      ...(mode.env ? { env: mode.env } : {}),
      configContent: { ...MANAGED_CONFIG, ...mode.configContent },
      onStatus: (s) => void this.onProcessStatus(s),
      onSpawn: (pid) => this.recordPid(pid),
    });
    this.process = proc;
    await proc.start().catch(() => undefined);
  }

  /**
   * Written synchronously the moment OpenCode is spawned (and on every restart), so a studio
   * killed at any moment leaves the right pid behind for the next start to clean up.
   */
  private recordPid(pid: number): void {
    try {
      recordOpencodePid(this.options.paths, pid);
    } catch (err) {
      this.options.log(`could not record the OpenCode pid: ${(err as Error).message}`);
    }
  }

  private async onProcessStatus(s: OpencodeStatus): Promise<void> {
    if (s.state === 'ready' && s.url) return this.setReady(s.url, this.process?.authHeader() ?? null);
    if (s.state === 'unavailable' && this.closing) {
      // Our own stop (Ctrl-C): one line, without OpenCode's log tail, which ends in its "listening" line.
      if (this.state.state !== 'unavailable') this.options.log('OpenCode stopped.');
      this.update({ state: 'unavailable', url: null, reason: 'OpenCode stopped with the studio' });
      return;
    }
    if (s.state === 'unavailable') {
      const tail = this.process?.logTail(5).trim();
      const reason = `OpenCode failed to start or stopped: ${s.reason ?? 'unknown reason'}${tail ? `\n${tail}` : ''}`;
      if (this.state.state !== 'unavailable') this.options.log(reason);
      this.current?.runner.close();
      this.current = null;
      this.update({ state: 'unavailable', url: null, reason });
      return;
    }
    // A restarted server has lost its sessions and event streams: the next ready gets a fresh runner.
    this.current?.runner.close();
    this.current = null;
    this.update({ state: 'starting', url: s.url, reason: s.reason });
  }

  private async setReady(url: string, authHeader: string | null): Promise<void> {
    if (this.current?.url !== url) {
      const { AgentRunner } = await import('./agent-runner.js');
      if (this.current?.url !== url) {
        this.current?.runner.close();
        this.current = { url, runner: new AgentRunner({ url, authHeader }) };
      }
    }
    const problem = (await this.checkServer(url, authHeader)) ?? (await this.checkModel(url, authHeader));
    if (problem) {
      this.update({ state: 'unavailable', url, reason: problem });
      this.options.log(problem);
      return;
    }
    if (this.state.state !== 'ready') this.options.log(`OpenCode ready at ${url}`);
    this.update({ state: 'ready', url, reason: null });
  }

  /**
   * null when the server is an OpenCode the studio can drive (once per URL: a restarted managed
   * server gets a new one), else why not. Only an unsupported server is refused here; one that
   * does not answer is left to the model check, which says it is not reachable.
   */
  private async checkServer(url: string, authHeader: string | null): Promise<string | null> {
    if (this.compatibleUrl === url) return null;
    try {
      await checkOpencodeServer(url, authHeader);
      this.compatibleUrl = url;
      this.unsupported = false;
      return null;
    } catch (err) {
      this.unsupported = err instanceof UnsupportedOpencodeError;
      return this.unsupported ? (err as Error).message : null;
    }
  }

  /** null when OpenCode can run a model, else what to do about it. */
  private async checkModel(url: string, authHeader: string | null): Promise<string | null> {
    try {
      const client = await sdkClient({ baseUrl: url, ...(authHeader ? { headers: { Authorization: authHeader } } : {}) });
      const res = await client.config.providers({ directory: this.options.root }, { signal: AbortSignal.timeout(15_000) });
      this.modelChecked = true;
      if (!res.data) return `OpenCode at ${url} did not answer: ${res.response?.status ?? 'no response'}`;
      return res.data.providers.some((p) => Object.keys(p.models).length > 0) ? null : NO_MODEL;
    } catch (err) {
      return `OpenCode at ${url} is not reachable: ${(err as Error).message}`;
    }
  }

  /** "provider/model" ids OpenCode offers (for the settings panel); never keys. */
  async models(): Promise<string[]> {
    if (!this.current || this.state.state !== 'ready') return [];
    const client = await sdkClient({
      baseUrl: this.current.url,
      ...(this.process ? { headers: { Authorization: this.process.authHeader() } } : {}),
    });
    const res = await client.config.providers({ directory: this.options.root }, { signal: AbortSignal.timeout(10_000) });
    return (res.data?.providers ?? []).flatMap((p) => Object.keys(p.models).map((m) => `${p.id}/${m}`)).sort();
  }

  /** The runner once OpenCode is ready; a clear PreconditionError when it is not. */
  async runner(): Promise<AgentRunner> {
    if (this.state.state === 'unavailable' && this.current && this.modelChecked)
      await this.setReady(this.current.url, this.process?.authHeader() ?? null);
    if (this.state.state === 'starting') await this.waitReady();
    if (this.state.state !== 'ready' || !this.current) throw this.unavailable();
    return this.current.runner;
  }

  /** Whether actions can be accepted now (a start in progress counts: the run waits for it). */
  assertUsable(): void {
    if (this.state.state === 'unavailable') throw this.unavailable();
  }

  private unavailable(): PreconditionError {
    const reason = this.unsupported ? 'opencode-unsupported' : 'opencode-unavailable';
    return new PreconditionError(this.state.reason ?? 'OpenCode is not available', reason);
  }

  private waitReady(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, READY_WAIT_MS);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private update(patch: Partial<OpencodeState>): void {
    const next = { ...this.state, ...patch };
    if (JSON.stringify(next) === JSON.stringify(this.state)) return;
    this.state = next;
    this.options.bus.emit({ type: 'opencode.status', opencode: this.status() });
    if (next.state !== 'starting') for (const wake of this.waiters.splice(0)) wake();
  }

  /** A studio killed with -9 cannot stop its OpenCode; the next one does, so no agent keeps writing unseen. */
  private async killOrphan(): Promise<void> {
    const pid = await readOpencodePid(this.options.paths);
    const command = pid ? await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '') : '';
    if (pid && command.includes('opencode') && signalGroup(pid, 'SIGKILL'))
      this.options.log(`Stopped an OpenCode server (pid ${pid}) left by a studio that did not shut down.`);
    await forgetOpencodePid(this.options.paths);
  }

  async close(): Promise<void> {
    this.closing = true;
    this.current?.runner.close();
    this.current = null;
    await this.process?.stop();
    await forgetOpencodePid(this.options.paths);
    for (const wake of this.waiters.splice(0)) wake();
  }
}

/**
 * The SDK is loaded on first use, once the studio listens: importing it builds a default client,
 * which loads Node's fetch, some 30 ms of a start-up that does not need it yet.
 */
async function sdkClient(config: OpencodeClientConfig): Promise<OpencodeClient> {
  const { createOpencodeClient } = await import('@opencode-ai/sdk/v2');
  return createOpencodeClient(config);
}
