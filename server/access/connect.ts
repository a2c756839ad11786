import { existsSync } from 'node:fs';
import path from 'node:path';
import { createTRPCClient, localLink, type TRPCClient } from '@trpc/client';
import { PreconditionError } from '../errors.js';
import { EventBus } from '../events/event-bus.js';
import { openRepo, type Repo } from '../git/repo.js';
import { PERSON, type Principal } from '../lib/principal.js';
import { AGENT_TOKEN_ENV, agentTaskOf } from '../orchestrator/agent-credentials.js';
import { type AppRouter, appRouter } from '../routers/index.js';
import { createStudioClient } from '../script-client.js';
import { createServices } from '../services/services.js';
import { WorkspacePaths } from '../store/paths.js';
import { processAlive, runtimeStateSync, type ServerInfo } from '../store/runtime-file.js';
import { StudioStore } from '../store/studio-store.js';
import { FilesOnlyAgent } from './files-only-agent.js';

export type StudioApi = TRPCClient<AppRouter>;

/** The board of one repo, reached through the running studio (live) or, with none, through the store on the files. */
export interface Board {
  root: string;
  /** True when a studio runs: every change goes through it and shows on the board at once. */
  live: boolean;
  /** Who this process acts for: the person, or (with an agent credential in its environment) one agent session. */
  principal: Principal;
  api: StudioApi;
  close(): Promise<void>;
}

const STARTING_WAIT_MS = 10_000;

/**
 * The one door of the CLI and the MCP server to a board. Both get the same typed API; without a
 * studio it runs the studio's own routers in this process (`localLink`), so validation, errors and
 * file writes are the studio's, and the agent actions answer `studio-not-running`.
 *
 * A process the studio started for an agent session has that session's credential in its
 * environment (AGENT_TOKEN_ENV): it calls as `agent(taskId)`, never with the person's token.
 */
export async function connectBoard(dir: string): Promise<Board> {
  const repo = await openRepo(path.resolve(dir));
  const paths = new WorkspacePaths(repo.root);
  const agentToken = process.env[AGENT_TOKEN_ENV] || null;
  const principal = agentToken === null ? PERSON : agentPrincipal(agentToken);
  const info = await runningStudio(paths);
  if (info) {
    const client = createStudioClient({ url: info.url, token: agentToken ?? info.token });
    return { root: repo.root, live: true, principal, api: client, close: async () => client.close() };
  }
  return openLocal(repo, paths, principal);
}

export function agentPrincipal(token: string): Principal {
  const taskId = agentTaskOf(token);
  if (taskId === null) throw new PreconditionError(`${AGENT_TOKEN_ENV} is not an agent credential of the studio`, 'unauthorized');
  return { kind: 'agent', taskId };
}

/** The running studio's address, or null when none runs (no file, or one left by a dead studio). */
async function runningStudio(paths: WorkspacePaths): Promise<ServerInfo | null> {
  const until = Date.now() + STARTING_WAIT_MS;
  for (;;) {
    // server.json appears once the studio listens; until then only its start-up lock says it is there.
    const runtime = runtimeStateSync(paths.root);
    if (runtime.state === 'running') return processAlive(runtime.info.pid) ? runtime.info : null;
    if (runtime.state === 'none') return null;
    if (Date.now() > until) throw new PreconditionError('the studio is still starting; try again in a moment', 'not-allowed-now');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function openLocal(repo: Repo, paths: WorkspacePaths, principal: Principal): Promise<Board> {
  if (!existsSync(paths.config))
    throw new PreconditionError(
      `${paths.root} has no board yet (.opencode-studio/ is missing): run "opencode-studio init" there, or start the studio`,
      'not-found',
    );
  const bus = new EventBus();
  const store = await StudioStore.open(paths.root, bus);
  const services = createServices(store, bus, new FilesOnlyAgent(store, bus, repo), repo);
  const api = createTRPCClient<AppRouter>({
    links: [localLink({ router: appRouter, createContext: async () => ({ services, principal }) })],
  });
  return { root: paths.root, live: false, principal, api, close: () => store.close() };
}
