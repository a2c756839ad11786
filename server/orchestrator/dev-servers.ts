import type { ChildProcess } from 'node:child_process';
import net from 'node:net';
import type { DevServerState } from '../../shared/task-env.js';
import { PreconditionError } from '../errors.js';
import type { EventBus } from '../events/event-bus.js';
import { signalGroup } from '../opencode/process-reaper.js';
import type { StudioStore } from '../store/studio-store.js';
import type { Ports } from './ports.js';
import type { ProcessGroups } from './process-groups.js';

export interface DevServersDeps {
  store: StudioStore;
  bus: EventBus;
  ports: Ports;
  groups: ProcessGroups;
  /** The task's worktree, or null when it has none yet. */
  locate: (taskId: string) => Promise<string | null>;
  /** Rejects when this user has not trusted the repository's settings (its `devServer` command among them). */
  assertTrusted: () => Promise<void>;
}

type Running = {
  child: ChildProcess;
  state: DevServerState;
  exited: Promise<void>;
  probe: NodeJS.Timeout | null;
  pending: string;
  flush: NodeJS.Timeout | null;
};

const LOG_CHARS = 64 * 1024;
const PROBE_MS = 250;
const FLUSH_MS = 150;
const STOP_GRACE_MS = 3_000;

/**
 * At most one dev server (config `devServer`) per task, in the task's worktree, on the task's
 * port, as its own process group: `PORT`, `STUDIO_TASK_ID` and `STUDIO_WORKTREE` in its
 * environment, a bounded log, and a link once the port answers. Each output chunk and state
 * change goes out as a `devserver.updated` event.
 */
export class DevServers {
  private readonly servers = new Map<string, Running>();

  constructor(private readonly d: DevServersDeps) {}

  /** The task's dev server, or a stopped one showing the port the task holds. */
  async state(taskId: string): Promise<DevServerState> {
    this.d.store.tasks.get(taskId);
    const entry = this.servers.get(taskId);
    if (!entry) return { ...stopped(taskId), port: await this.d.ports.of(taskId) };
    // Output still waiting for its event goes out first: the answer is current with one event.
    if (entry.pending) this.emit(entry);
    return { ...entry.state };
  }

  async run(taskId: string): Promise<DevServerState> {
    this.d.store.tasks.get(taskId);
    const current = this.servers.get(taskId);
    if (current && (current.state.state === 'starting' || current.state.state === 'listening')) return this.state(taskId);
    const command = this.d.store.config.get().devServer;
    if (!command)
      throw new PreconditionError(
        'no dev server is set: add the command to the settings (devServer), e.g. npm run dev -- --port $PORT',
        'no-dev-server',
      );
    await this.d.assertTrusted();
    const dir = await this.d.locate(taskId);
    if (!dir)
      throw new PreconditionError('the task has no worktree yet, so there is nothing to serve: start it first', 'no-dev-server');
    const port = await this.d.ports.assign(taskId);
    const child = this.d.groups.spawn(command, {
      cwd: dir,
      env: { ...process.env, PORT: String(port), STUDIO_TASK_ID: taskId, STUDIO_WORKTREE: dir },
      what: `dev server of ${taskId}`,
    });
    const state: DevServerState = {
      taskId,
      state: 'starting',
      port,
      url: null,
      pid: child.pid ?? null,
      exitCode: null,
      log: `$ ${command}\n`,
      event: null,
    };
    const entry: Running = { child, state, exited: Promise.resolve(), probe: null, pending: state.log, flush: null };
    entry.exited = new Promise((resolve) => child.once('close', () => resolve()));
    this.servers.set(taskId, entry);
    const onData = (chunk: Buffer) => this.output(entry, chunk.toString('utf8'));
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', (err) => this.output(entry, `could not start: ${err.message}\n`));
    child.once('exit', (code, signal) => {
      if (entry.probe) clearTimeout(entry.probe);
      entry.probe = null;
      this.output(entry, `[exited ${code === null ? `on ${signal}` : `with code ${code}`}]\n`);
      this.change(entry, { state: 'exited', url: null, exitCode: code ?? 128 });
    });
    this.probe(entry);
    this.emit(entry);
    return { ...state };
  }

  /** Stops the task's dev server (SIGTERM to its group, SIGKILL after 3 s); nothing running is fine. */
  async stop(taskId: string): Promise<DevServerState> {
    const entry = this.servers.get(taskId);
    if (!entry) return stopped(taskId);
    const pid = entry.child.pid;
    if (pid && entry.child.exitCode === null && entry.child.signalCode === null) {
      signalGroup(pid, 'SIGTERM');
      const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), STOP_GRACE_MS);
      await entry.exited;
      clearTimeout(timer);
    }
    this.change(entry, { state: 'stopped', url: null, pid: null });
    this.servers.delete(taskId);
    return { ...entry.state };
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.servers.keys()].map((id) => this.stop(id)));
  }

  /** Polls the port (IPv4 and IPv6 loopback: `localhost` may be either) until it accepts a connection, then shows the link. */
  private probe(entry: Running): void {
    entry.probe = setTimeout(async () => {
      entry.probe = null;
      if (entry.state.state !== 'starting') return;
      const port = entry.state.port!;
      const open = (await accepts(port, '127.0.0.1')) || (await accepts(port, '::1'));
      if (entry.state.state !== 'starting') return;
      if (open) this.change(entry, { state: 'listening', url: `http://localhost:${port}` });
      else this.probe(entry);
    }, PROBE_MS);
  }

  private output(entry: Running, text: string): void {
    entry.state.log = (entry.state.log + text).slice(-LOG_CHARS);
    entry.pending = (entry.pending + text).slice(-LOG_CHARS);
    entry.flush ??= setTimeout(() => this.emit(entry), FLUSH_MS);
  }

  private change(entry: Running, patch: Partial<DevServerState>): void {
    Object.assign(entry.state, patch);
    this.emit(entry);
  }

  private emit(entry: Running): void {
    if (entry.flush) clearTimeout(entry.flush);
    entry.flush = null;
    const { log: _log, event: _event, ...server } = entry.state;
    entry.state.event = this.d.bus.emit({ type: 'devserver.updated', server, output: entry.pending }).id;
    entry.pending = '';
  }
}

function accepts(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function stopped(taskId: string): DevServerState {
  return { taskId, state: 'stopped', port: null, url: null, pid: null, exitCode: null, log: '', event: null };
}
