import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  checkOpencodeServer,
  REQUIRED_ROUTES,
  SUPPORTED_OPENCODE,
  UnsupportedOpencodeError,
} from '../../server/opencode/server-compat.js';
import { createAgent } from '../../server/orchestrator/create-agent.js';
import { runCli } from '../helpers/cli.js';
import { reasonOf } from '../helpers/failure.js';
import { startStudio, stopStudios } from '../helpers/studio.js';
import { removeTempDirs, tempRepo } from '../helpers/temp-repo.js';
import { waitFor } from '../helpers/wait.js';
import { startHarness } from './harness.js';

type Routes = Record<string, (res: http.ServerResponse) => void>;
const servers: http.Server[] = [];

/** A real HTTP server that plays an OpenCode it is not: the routes given, 404 for the rest. */
async function impostor(routes: Routes): Promise<string> {
  const server = http.createServer((req, res) => {
    const answer = routes[`${req.method} ${req.url}`];
    if (answer) answer(res);
    else res.writeHead(404).end('not found');
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const json = (body: unknown) => (res: http.ServerResponse) =>
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
const docWith = (routes: ReadonlyArray<readonly [string, string]>) => {
  const paths: Record<string, Record<string, object>> = {};
  for (const [method, route] of routes) paths[route] = { ...paths[route], [method]: {} };
  return { openapi: '3.1.0', paths };
};
const claiming = (version: string, routes = REQUIRED_ROUTES) =>
  impostor({ 'GET /global/health': json({ healthy: true, version }), 'GET /doc': json(docWith(routes)) });

afterEach(stopStudios);
afterAll(async () => {
  for (const server of servers) server.close();
  await removeTempDirs();
});

describe('the OpenCode the studio talks to', () => {
  it('the real opencode serve it ships with passes: its version is in range and its own document has every route the studio calls', async () => {
    const harness = await startHarness(() => ({ text: 'unused' }));
    try {
      const version = await checkOpencodeServer(harness.opencode.status.url!, harness.opencode.authHeader());
      expect(version).toMatch(/^1\.\d+\.\d+/);
    } finally {
      await harness.close();
    }
  });

  it('a server claiming 2.x is refused, naming the version found and the range supported', async () => {
    const url = await claiming('2.0.0');
    const err = await checkOpencodeServer(url, null).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsupportedOpencodeError);
    expect((err as Error).message).toContain('OpenCode 2.0.0');
    expect((err as Error).message).toContain(SUPPORTED_OPENCODE.text);
    expect((err as UnsupportedOpencodeError).reason).toBe('opencode-unsupported');
  });

  it('a 2.x server with its routes under /api/* (no /global/health) is named as such', async () => {
    const url = await impostor({ 'GET /api/info': json({ version: '2.1.0' }) });
    const err = await checkOpencodeServer(url, null).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsupportedOpencodeError);
    expect((err as Error).message).toMatch(/no \/global\/health route.*\/api\/\*/);
  });

  it('a 1.x server that lacks a route the studio calls is refused, naming the route', async () => {
    const url = await claiming(
      '1.18.99',
      REQUIRED_ROUTES.filter(([, route]) => route !== '/session/{sessionID}/prompt_async'),
    );
    await expect(checkOpencodeServer(url, null)).rejects.toThrow(/POST \/session\/\{sessionID\}\/prompt_async/);
  });

  it('an older 1.x and a server that names no version are refused too; one that does not answer is not "unsupported"', async () => {
    await expect(checkOpencodeServer(await claiming('1.2.3'), null)).rejects.toThrow(/OpenCode 1\.2\.3 .* not supported/);
    const silent = await impostor({ 'GET /global/health': json({ healthy: true }) });
    await expect(checkOpencodeServer(silent, null)).rejects.toThrow(/does not say which OpenCode version/);
    const closed = await impostor({});
    await new Promise((resolve) => servers.pop()!.close(resolve));
    const err = await checkOpencodeServer(closed, null).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(UnsupportedOpencodeError);
  });

  it('opencode-studio --opencode-url <a 2.x server> refuses to start, before any "ready"', async () => {
    const url = await claiming('2.0.0');
    const repo = await tempRepo();
    const run = await runCli([repo, '--opencode-url', url, '--no-open', '--port', '0']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /opencode-studio: OpenCode 2\.0\.0 at .* is not supported; the studio supports OpenCode >=1\.18\.0 <2\.0\.0/,
    );
    expect(run.stdout).not.toMatch(/ready at/);
  });

  it('a studio attached to an unsupported server says why in its status and refuses agent actions with opencode-unsupported', async () => {
    const url = await claiming('2.0.0');
    const { client, studio } = await startStudio({
      agent: (store, bus) => createAgent(store, bus, { mode: { kind: 'attached', url } }),
    });
    await waitFor(
      async () => (await client.project.info.query()).opencode.state === 'unavailable',
      'the studio to give up on the server',
      20_000,
    );
    const info = await client.project.info.query();
    expect(info.opencode.reason).toContain('OpenCode 2.0.0');
    const task = await client.tasks.create.mutate({ title: 'Against a server it does not know' });
    expect(await reasonOf(client.tasks.start.mutate({ id: task.id }))).toBe('opencode-unsupported');
    expect((await studio.services.tasks.get(task.id)).task.status).toBe('todo');
  });
});
