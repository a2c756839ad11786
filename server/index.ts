import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Services } from './context.js';
import { errorMessage } from './errors.js';
import { EventBus } from './events/event-bus.js';
import { gitJournal, gitJournalDir } from './git/git-journal.js';
import { removeLeftLocks } from './git/left-locks.js';
import { installMergeDriver } from './git/merge-driver-config.js';
import { openRepo, Repo } from './git/repo.js';
import type { GithubOptions } from './github/github-service.js';
import { createApp } from './http/app.js';
import { Guard } from './http/security.js';
import { attachWebSocket } from './http/ws.js';
import type { AgentActions } from './orchestrator/agent-actions.js';
import { AgentCredentials } from './orchestrator/agent-credentials.js';
import { NoAgent } from './orchestrator/no-agent.js';
import { createServices } from './services/services.js';
import { accessTokenFile, keptAccessToken, newAccessToken } from './store/access-token.js';
import { claimRuntime, releaseRuntime, writeServerInfo } from './store/runtime-file.js';
import { StudioStore } from './store/studio-store.js';
import { initWorkspace } from './store/workspace.js';

export interface StudioServerOptions {
  root: string;
  /** Default 4100; when taken, the next free port is used (see `portNote`). 0 picks any free port. */
  port?: number;
  host?: string;
  /** Build the agent side (the orchestrator) once the store exists; without it agent actions are refused. Its `begin`, if any, runs once the studio listens. */
  agent?: (
    store: StudioStore,
    bus: EventBus,
    credentials: AgentCredentials,
  ) => Promise<AgentActions & { close?(): Promise<void>; begin?(): void }>;
  demo?: boolean;
  /** The GitHub side: where the token and API base come from, how often open PRs are read. */
  github?: GithubOptions;
  /**
   * Keep one token per checkout in the user's state folder (the CLI does), so the printed URL and
   * open tabs survive a restart; `rotate` makes a new one. Without it each run makes its own token.
   */
  keepToken?: { rotate?: boolean; stateHome?: string };
  /** Progress lines for long steps. */
  log?: (line: string) => void;
}

export interface StudioServer {
  url: string;
  /** The URL with the token, for a browser. */
  openUrl: string;
  token: string;
  port: number;
  root: string;
  createdWorkspace: string[];
  portNote: string | null;
  /** Null when the task-file merge driver is set up in .git/config; else why it could not be. */
  mergeDriverProblem: string | null;
  /** git's lock files a killed studio left, removed at this start (git/left-locks.ts). */
  removedLocks: string[];
  services: Services;
  /** Issues the credentials of the studio's own agent sessions (principal agent(taskId)). */
  credentials: AgentCredentials;
  close(): Promise<void>;
}

/** The composition root: store, services, HTTP + WebSocket, the runtime file. Embeddable; the CLI is a thin layer on top. */
export async function createStudioServer(options: StudioServerOptions): Promise<StudioServer> {
  const log = options.log ?? (() => {});
  // Before any git step: a studio killed with its git may have left git's lock files behind.
  const stateHome = options.keepToken?.stateHome;
  gitJournal.open(gitJournalDir(stateHome));
  const removedLocks = (await removeLeftLocks(gitJournalDir(stateHome))).filter((l) => l.removed).map((l) => l.lock);
  // Both git calls at once (the branch is the same from any folder of the repo); openRepo's error wins.
  const branchHere = (async () => new Repo(path.resolve(options.root)).currentBranch())().catch(() => undefined);
  const repo = await openRepo(options.root);
  const host = options.host ?? '127.0.0.1';
  const found = await branchHere;
  const branch = (found === undefined ? await repo.currentBranch() : found) ?? 'main';
  const { created, paths } = await initWorkspace(repo.root, branch);
  await claimRuntime(paths);
  // git runs beside the load of the task files (on another core): awaited once they are in.
  const mergeDriver = installMergeDriver(repo.root).then(
    () => null,
    (err: unknown) => errorMessage(err),
  );
  const cleanups: Array<() => Promise<void>> = [() => releaseRuntime(paths)];
  const cleanup = async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn().catch((err) => console.error('shutdown step failed:', err));
  };
  try {
    const bus = new EventBus();
    log('Loading tasks…');
    const store = await StudioStore.open(repo.root, bus, { watch: true });
    cleanups.push(() => store.close());
    const mergeDriverProblem = await mergeDriver;
    // The agent sessions' credentials: issued by the orchestrator, accepted by the HTTP edge as agent(taskId).
    const credentials = new AgentCredentials();
    const agent = options.agent ? await options.agent(store, bus, credentials) : new NoAgent();
    if ('close' in agent && agent.close) cleanups.push(() => agent.close!());
    const services = createServices(store, bus, agent, repo, options.demo ?? false, options.github);
    const unwatch = [services.dependencies.watch(bus), services.comments.watch(bus)];
    services.github.start(bus);
    cleanups.push(() => services.github.close());
    cleanups.push(async () => {
      for (const stop of unwatch) stop();
      await Promise.all([services.dependencies.idle(), services.comments.idle()]);
    });
    const token = options.keepToken
      ? await keptAccessToken(accessTokenFile(repo.root, options.keepToken.stateHome), options.keepToken)
      : newAccessToken();
    const guard = new Guard(token, host, credentials);
    const server = http.createServer(createApp(services, guard));
    server.headersTimeout = 30_000;
    server.requestTimeout = 120_000;
    const ws = attachWebSocket(server, services, guard);
    const wanted = options.port ?? 4100;
    const port = await listen(server, wanted, host);
    cleanups.push(async () => {
      await ws.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
    guard.listening(port);
    const urlHost = host.includes(':') ? `[${host}]` : host;
    const url = `http://${urlHost}:${port}`;
    await writeServerInfo(paths, { url, token, pid: process.pid, startedAt: new Date().toISOString() });
    log(`listening on ${url}`);
    if ('begin' in agent && typeof agent.begin === 'function') agent.begin();
    return {
      url,
      openUrl: `${url}/?token=${token}`,
      token,
      port,
      root: repo.root,
      createdWorkspace: created,
      removedLocks,
      mergeDriverProblem,
      portNote: wanted !== 0 && port !== wanted ? `port ${wanted} is busy; using ${port}` : null,
      services,
      credentials,
      close: cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

async function listen(server: http.Server, port: number, host: string): Promise<number> {
  const tries = port === 0 ? 1 : 20;
  for (let i = 0; i < tries; i++) {
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port + i, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      return (server.address() as AddressInfo).port;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || i === tries - 1) {
        if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE')
          throw new Error(`ports ${port}-${port + i} are all busy: pass --port with a free one`);
        throw err;
      }
    }
  }
  throw new Error('unreachable');
}
