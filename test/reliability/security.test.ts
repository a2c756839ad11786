import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Task } from '../../shared/task.js';
import { git, removeTempDirs, tempRepo } from '../helpers/temp-repo.js';
import { sleep } from '../helpers/wait.js';
import { rawRequest, socketRequest, trpc } from './lib/http.js';
import { measure } from './lib/results.js';
import { killStudios, launchStudio, opencodeChildren, type StudioProcess } from './lib/studio-process.js';
import { listTree, STUDIO } from './lib/tree.js';

afterAll(async () => {
  await killStudios();
  await removeTempDirs();
});

let studio: StudioProcess;
let root: string;

beforeAll(async () => {
  root = await tempRepo();
  studio = await launchStudio(root);
}, 60_000);

/** Every kind of route: tRPC queries, mutations, batches and subscriptions over HTTP, REST, the OpenAPI document. */
function routes() {
  const json = { 'content-type': 'application/json' };
  return [
    { name: 'GET /trpc/health', path: '/trpc/health', method: 'GET' },
    { name: 'GET /trpc/tasks.list', path: '/trpc/tasks.list', method: 'GET' },
    {
      name: 'POST /trpc/tasks.create',
      path: '/trpc/tasks.create',
      method: 'POST',
      headers: json,
      body: '{"title":"intruder"}',
      creates: true,
    },
    {
      name: 'POST /trpc batch',
      path: '/trpc/tasks.create,tasks.list?batch=1',
      method: 'POST',
      headers: json,
      body: '{"0":{"title":"intruder"},"1":{}}',
      creates: true,
    },
    { name: 'GET /trpc/events.onEvent (SSE)', path: '/trpc/events.onEvent', method: 'GET', headersOnly: true },
    { name: 'GET /api/health', path: '/api/health', method: 'GET' },
    { name: 'GET /api/tasks', path: '/api/tasks', method: 'GET' },
    { name: 'POST /api/tasks', path: '/api/tasks', method: 'POST', headers: json, body: '{"title":"intruder"}', creates: true },
    { name: 'PATCH /api/config', path: '/api/config', method: 'PATCH', headers: json, body: '{"maxParallel":9}' },
    { name: 'GET /api/project', path: '/api/project', method: 'GET' },
    { name: 'GET /api/openapi.json', path: '/api/openapi.json', method: 'GET' },
    { name: 'DELETE /api/tasks/{id}', path: '/api/tasks/no-such-task', method: 'DELETE' },
  ] as Route[];
}

interface Route {
  name: string;
  path: string;
  method: string;
  headers?: Record<string, string>;
  body?: string;
  headersOnly?: boolean;
  creates?: boolean;
}

/** One request to a route, with its own headers and body plus `headers` (which win). */
const send = (r: Route, headers: Record<string, string>, routePath = r.path) =>
  rawRequest(studio.url, {
    path: routePath,
    method: r.method,
    headers: { ...r.headers, ...headers },
    body: r.body,
    headersOnly: r.headersOnly,
  });

const tasksOnDisk = () => readdirSync(path.join(root, STUDIO, 'tasks')).filter((n) => n.endsWith('.json')).length;

describe('security: a studio bound on loopback refuses everyone without the token, the right Host and Origin', () => {
  it('server.json is 0600 and git-ignored, the token is long and random, the studio listens on 127.0.0.1 only', async () => {
    await measure('Security', 'runtime/server.json 0600 + git-ignored; listens on 127.0.0.1 only; 192-bit token', async (m) => {
      const file = path.join(root, STUDIO, 'runtime', 'server.json');
      const mode = statSync(file).mode & 0o777;
      const info = JSON.parse(readFileSync(file, 'utf8'));
      let ignored = true;
      try {
        execFileSync('git', ['check-ignore', '-q', `${STUDIO}/runtime/server.json`], { cwd: root });
      } catch {
        ignored = false;
      }
      const hex = studio.port.toString(16).toUpperCase().padStart(4, '0');
      const listeners = ['/proc/net/tcp', '/proc/net/tcp6']
        .flatMap((f) => {
          try {
            return readFileSync(f, 'utf8').split('\n').slice(1);
          } catch {
            return [];
          }
        })
        .map((l) => l.trim().split(/\s+/))
        .filter((cols) => cols[1]?.endsWith(`:${hex}`) && cols[3] === '0A')
        .map((cols) => cols[1]!);
      m.figure('server.json mode', mode.toString(8));
      m.figure('git check-ignore', ignored);
      m.figure('listening sockets on the port', listeners.join(' '));
      m.figure('token length', studio.token.length);
      expect(mode).toBe(0o600);
      expect(ignored).toBe(true);
      expect(info).toMatchObject({ url: studio.url, token: studio.token, pid: studio.pid });
      expect(listeners).toEqual([`0100007F:${hex}`]);
      expect(studio.token).toMatch(/^[A-Za-z0-9_-]{32,}$/);
    });
  });

  it('no token, a wrong token, a malformed header or a token outside the Authorization header: 401 on every route', async () => {
    await measure('Security', 'token: missing/wrong/malformed/in query/cookie/other header -> 401 on every route', async (m) => {
      const t = studio.token;
      const variants: Array<[string, Record<string, string>, string?]> = [
        ['none', {}],
        ['wrong', { authorization: 'Bearer wrong-token' }],
        ['empty bearer', { authorization: 'Bearer ' }],
        ['scheme only', { authorization: 'Bearer' }],
        ['token + 1 char', { authorization: `Bearer ${t}x` }],
        ['token prefix', { authorization: `Bearer ${t.slice(0, -1)}` }],
        ['token upper-cased', { authorization: `Bearer ${t.toUpperCase()}` }],
        ['no scheme', { authorization: t }],
        ['Basic', { authorization: `Basic ${Buffer.from(`studio:${t}`).toString('base64')}` }],
        ['Token scheme', { authorization: `Token ${t}` }],
        ['two bearers', { authorization: `Bearer wrong, Bearer ${t}` }],
        ['cookie', { cookie: `token=${t}` }],
        ['X-Token header', { 'x-token': t, 'x-studio-token': t }],
        ['query ?token=', {}, `token=${encodeURIComponent(t)}`],
      ];
      const before = tasksOnDisk();
      const wrong: string[] = [];
      let requests = 0;
      let allowedCreates = 0;
      for (const r of routes()) {
        for (const [label, headers, query] of variants) {
          const p = query ? `${r.path}${r.path.includes('?') ? '&' : '?'}${query}` : r.path;
          const res = await send(r, { host: studio.host, ...headers }, p);
          requests++;
          if (res.status !== 401) wrong.push(`${r.name} with ${label}: ${res.status}`);
          if (res.body.includes(t)) wrong.push(`${r.name} with ${label}: the answer contains the token`);
        }
        // The control: the right token, in any letter case of the header name, gets through.
        for (const name of ['authorization', 'Authorization', 'AUTHORIZATION']) {
          const res = await send(r, { host: studio.host, [name]: `Bearer ${t}` });
          requests++;
          if (r.creates && res.status === 200) allowedCreates++;
          if (res.status === 401 || res.status === 403) wrong.push(`${r.name} with the right token as ${name}: ${res.status}`);
        }
      }
      const lowerScheme = await rawRequest(studio.url, {
        path: '/trpc/health',
        headers: { host: studio.host, authorization: `bearer ${t}` },
      });
      const created = tasksOnDisk() - before;
      m.runs = requests;
      m.figure('routes x variants', `${routes().length} x ${variants.length}`);
      m.figure('accepted without the right token', wrong.length);
      m.figure('"bearer" in lower case', lowerScheme.status === 200 ? 'accepted' : `refused (${lowerScheme.status})`);
      m.figure('tasks created / by accepted control requests', `${created}/${allowedCreates}`);
      expect(wrong).toEqual([]);
      expect(created).toBe(allowedCreates);
      // The scheme is case-insensitive: the right token with "bearer" gets in.
      expect(lowerScheme.status).toBe(200);
    });
  });

  it('a foreign Host header (DNS rebinding) is refused with 403 on every route, even with the token', async () => {
    await measure('Security', 'Host: evil names, 127.0.0.1.evil.com, localhost.evil.com, other ports, none -> 403', async (m) => {
      const port = studio.port;
      const foreign = [
        'evil.com',
        `evil.com:${port}`,
        `127.0.0.1.evil.com:${port}`,
        '127.0.0.1.evil.com',
        `localhost.evil.com:${port}`,
        'localhost.evil.com',
        `LOCALHOST.EVIL.COM:${port}`,
        `127.0.0.1:${port}.evil.com`,
        `127.0.0.1:${port + 1}`,
        '127.0.0.1',
        'localhost',
        `localhost.:${port}`,
        `0.0.0.0:${port}`,
        `127.0.0.2:${port}`,
        `127.1:${port}`,
        `2130706433:${port}`,
        `0x7f000001:${port}`,
        `[::ffff:127.0.0.1]:${port}`,
        `evil.com@127.0.0.1:${port}`,
        `127.0.0.1:${port}@evil.com`,
        '',
      ];
      const auth = { authorization: `Bearer ${studio.token}` };
      const wrong: string[] = [];
      let requests = 0;
      const all = [
        ...routes(),
        { name: 'GET / (the board)', path: '/', method: 'GET' },
        { name: 'GET /index.html', path: '/index.html', method: 'GET' },
      ] as ReturnType<typeof routes>;
      const before = tasksOnDisk();
      let allowedCreates = 0;
      for (const r of all) {
        for (const host of foreign) {
          const res = await send(r, { ...auth, host });
          requests++;
          if (res.status !== 403 && res.status !== 400) wrong.push(`${r.name} with Host "${host}": ${res.status}`);
        }
        for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`]) {
          const res = await send(r, { ...auth, host });
          requests++;
          if (r.creates && res.status === 200) allowedCreates++;
          if (res.status === 403) wrong.push(`${r.name} with its own Host "${host}": 403`);
        }
      }
      // No Host at all: HTTP/1.0 allows it; HTTP/1.1 requires it.
      for (const version of ['HTTP/1.0', 'HTTP/1.1']) {
        const res = await socketRequest(studio.url, [`GET /trpc/health ${version}`, `Authorization: Bearer ${studio.token}`]);
        requests++;
        if (res.status !== 403 && res.status !== 400) wrong.push(`no Host (${version}): ${res.status}`);
      }
      const created = tasksOnDisk() - before;
      m.runs = requests;
      m.figure('foreign Host values', foreign.length + 2);
      m.figure('served to a foreign Host', wrong.length);
      expect(wrong).toEqual([]);
      expect(created, 'only the requests with the own Host may create tasks').toBe(allowedCreates);
    });
  });

  it('a foreign Origin is refused with 403 on HTTP, even with the token; cross-site fetch metadata too; no CORS headers', async () => {
    await measure(
      'Security',
      'Origin: evil, null, look-alikes, other port/scheme; Sec-Fetch-Site cross-site -> 403',
      async (m) => {
        const port = studio.port;
        const foreign = [
          'https://evil.example',
          'null',
          `http://127.0.0.1:${port}.evil.com`,
          `http://localhost.evil.com:${port}`,
          `http://127.0.0.1:${port + 1}`,
          `https://127.0.0.1:${port}`,
          `ws://127.0.0.1:${port}`,
          'http://127.0.0.1',
          `http://127.0.0.2:${port}`,
          `http://[::1]:${port + 1}`,
          'file://',
          'chrome-extension://abcdefghijklmnop',
          `http://evil.com@127.0.0.1:${port}`,
          '',
        ];
        const auth = { authorization: `Bearer ${studio.token}`, host: studio.host };
        const wrong: string[] = [];
        let requests = 0;
        let cors = 0;
        let allowedCreates = 0;
        const before = tasksOnDisk();
        for (const r of routes()) {
          for (const origin of foreign) {
            const res = await send(r, { ...auth, origin });
            requests++;
            if (res.headers['access-control-allow-origin']) cors++;
            if (res.status !== 403) wrong.push(`${r.name} from Origin "${origin}": ${res.status}`);
          }
          const fetchMeta = await send(r, { ...auth, 'sec-fetch-site': 'cross-site' });
          requests++;
          if (fetchMeta.status !== 403) wrong.push(`${r.name} with Sec-Fetch-Site: cross-site: ${fetchMeta.status}`);
          const preflight = await rawRequest(studio.url, {
            path: r.path,
            method: 'OPTIONS',
            headers: {
              host: studio.host,
              origin: 'https://evil.example',
              'access-control-request-method': r.method,
              'access-control-request-headers': 'authorization, content-type',
            },
          });
          requests++;
          if (preflight.headers['access-control-allow-origin']) cors++;
          if (preflight.status !== 403) wrong.push(`OPTIONS ${r.name} from a foreign Origin: ${preflight.status}`);
          for (const origin of [studio.url, `http://localhost:${port}`, `HTTP://LOCALHOST:${port}`]) {
            const res = await send(r, { ...auth, origin });
            requests++;
            if (r.creates && res.status === 200) allowedCreates++;
            if (res.status === 403) wrong.push(`${r.name} from its own Origin "${origin}": 403`);
          }
        }
        const created = tasksOnDisk() - before;
        m.runs = requests;
        m.figure('foreign Origin values', foreign.length);
        m.figure('served to a foreign Origin', wrong.length);
        m.figure('CORS allow headers sent', cors);
        expect(wrong).toEqual([]);
        expect(cors).toBe(0);
        expect(created).toBe(allowedCreates);
      },
    );
  });

  it('WebSocket: a foreign Host or Origin is refused at the upgrade; no, a wrong or a query-string token gets no data', async () => {
    await measure(
      'Security',
      'WebSocket: foreign Host/Origin refused at upgrade; missing/wrong/query token gets nothing',
      async (m) => {
        const port = studio.port;
        const base = `${studio.url.replace('http', 'ws')}/trpc`;
        const upgrade = (url: string, headers: Record<string, string>) =>
          new Promise<string>((resolve) => {
            const ws = new WebSocket(url, { headers });
            ws.on('open', () => {
              ws.terminate();
              resolve('open');
            });
            ws.on('unexpected-response', (_req, res) => {
              resolve(`refused ${res.statusCode}`);
              res.resume();
            });
            ws.on('error', (err) => resolve(`error ${err.message}`));
          });
        const wrong: string[] = [];
        const refusals: Array<[string, string, Record<string, string>]> = [
          ['Origin evil', base, { origin: 'https://evil.example' }],
          ['Origin null', base, { origin: 'null' }],
          ['Origin look-alike', base, { origin: `http://127.0.0.1:${port}.evil.com` }],
          ['Origin other port', base, { origin: `http://127.0.0.1:${port + 1}` }],
          ['Host evil', base, { host: 'evil.example' }],
          ['Host 127.0.0.1.evil.com', base, { host: `127.0.0.1.evil.com:${port}` }],
          ['Host localhost.evil.com', base, { host: `localhost.evil.com:${port}` }],
          ['Host other port', base, { host: `127.0.0.1:${port + 1}` }],
          ['Sec-Fetch-Site cross-site', base, { origin: studio.url, 'sec-fetch-site': 'cross-site' }],
        ];
        for (const [label, url, headers] of refusals) {
          const r = await upgrade(url, headers);
          if (r !== 'refused 403') wrong.push(`${label}: ${r}`);
        }
        for (const p of ['/', '/api', '/trpc/', '/trpc/events.onEvent']) {
          const r = await upgrade(`${studio.url.replace('http', 'ws')}${p}`, { origin: studio.url });
          if (!r.startsWith('refused')) wrong.push(`upgrade on ${p}: ${r}`);
        }
        if ((await upgrade(base, { origin: studio.url })) !== 'open') wrong.push('its own Origin was refused');

        // Authentication happens in tRPC: try to subscribe and to mutate without the right token.
        const sub = { id: 1, jsonrpc: '2.0', method: 'subscription', params: { path: 'events.onEvent', input: {} } };
        const mutation = {
          id: 2,
          jsonrpc: '2.0',
          method: 'mutation',
          params: { path: 'tasks.create', input: { title: 'ws intruder' } },
        };
        const attempt = async (label: string, url: string, first: object[]) => {
          const ws = new WebSocket(url, { headers: { origin: studio.url } });
          const messages: string[] = [];
          let closed = false;
          ws.on('message', (d) => messages.push(String(d)));
          ws.on('close', () => (closed = true));
          await new Promise<void>((resolve, reject) => {
            ws.on('open', () => resolve());
            ws.on('error', reject);
          });
          for (const msg of [...first, sub, mutation]) ws.send(JSON.stringify(msg));
          await sleep(300);
          await trpc(studio, 'tasks.create', { title: `event bait ${label}` });
          await sleep(500);
          const refusedBy = closed ? 'closed' : messages.some((msg) => /"error"/.test(msg)) ? 'error' : null;
          ws.terminate();
          const leaked = messages.filter((msg) => /"result"/.test(msg));
          if (leaked.length) wrong.push(`${label}: got ${leaked.length} results: ${leaked[0]!.slice(0, 120)}`);
          if (!refusedBy) wrong.push(`${label}: neither an error nor a close`);
          // Answered with an error is not enough: a socket without the token must not stay open.
          if (!closed) wrong.push(`${label}: the socket stayed open`);
        };
        const before = tasksOnDisk();
        await attempt('no token', base, []);
        await attempt('token in the query string', `${base}?token=${encodeURIComponent(studio.token)}`, []);
        await attempt(
          'token as a query connectionParams',
          `${base}?connectionParams=${encodeURIComponent(JSON.stringify({ token: studio.token }))}`,
          [],
        );
        await attempt('wrong token', `${base}?connectionParams=1`, [{ method: 'connectionParams', data: { token: 'wrong' } }]);
        await attempt('token of another type', `${base}?connectionParams=1`, [
          { method: 'connectionParams', data: { token: [studio.token] } },
        ]);
        const intruders = tasksOnDisk() - before - 5;
        m.runs = refusals.length + 5 + 5;
        m.figure('accepted without Host/Origin/token', wrong.length);
        m.figure('tasks created over an unauthenticated socket', intruders);
        expect(wrong).toEqual([]);
        expect(intruders).toBe(0);
      },
    );
  });

  it('no secret lands in a file git would commit: the token only in the ignored runtime/server.json, never in .git', async () => {
    await measure(
      'Security',
      'secrets: token and OpenCode password absent from every committable file and from .git',
      async (m) => {
        const repo = await tempRepo();
        const s = await launchStudio(repo, { agent: 'managed' });
        const t = await trpc<Task>(s, 'tasks.create', { title: 'A task', description: 'with a plan' });
        await trpc(s, 'plans.update', { id: t.id, markdown: '# Plan\n' });
        await trpc(s, 'config.update', { maxParallel: 4 });
        await trpc(s, 'tasks.start', { id: t.id }).catch(() => undefined);
        // The OpenCode server's password is in its environment: find it there, then look for it everywhere.
        let password: string | null = null;
        for (let i = 0; i < 50 && !password; i++) {
          for (const pid of opencodeChildren(s.pid)) {
            const env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
            password =
              env.find((e) => e.startsWith('OPENCODE_SERVER_PASSWORD='))?.slice('OPENCODE_SERVER_PASSWORD='.length) ?? null;
          }
          if (!password) await sleep(100);
        }
        await sleep(1500);
        const secrets = [s.token, ...(password ? [password] : [])];
        const holders: string[] = [];
        for (const e of listTree(repo, (rel) => rel === '.git')) {
          if (e.type !== 'file' || e.size > 20 * 1024 * 1024) continue;
          const text = readFileSync(path.join(repo, e.path), 'utf8');
          if (secrets.some((x) => text.includes(x))) holders.push(e.path);
        }
        const inGit = listTree(path.join(repo, '.git')).filter(
          (e) =>
            e.type === 'file' &&
            e.size < 20 * 1024 * 1024 &&
            secrets.some((x) => readFileSync(path.join(repo, '.git', e.path), 'latin1').includes(x)),
        );
        const porcelain = git(repo, 'status', '--porcelain', '--untracked-files=all').split('\n').filter(Boolean);
        const wouldAdd = git(repo, 'add', '--all', '--dry-run').split('\n').filter(Boolean);
        const runtimeFiles = listTree(path.join(repo, STUDIO, 'runtime')).filter((e) => e.type === 'file');
        const notIgnored = runtimeFiles.filter((e) => {
          try {
            execFileSync('git', ['check-ignore', '-q', `${STUDIO}/runtime/${e.path}`], { cwd: repo });
            return false;
          } catch {
            return true;
          }
        });
        const answers = await Promise.all(
          ['project.info', 'config.get', 'tasks.list'].map((p) => trpc(s, p, undefined, 'query').then((r) => JSON.stringify(r))),
        );
        const openapi = (await rawRequest(s.url, { path: '/api/openapi.json', headers: { authorization: `Bearer ${s.token}` } }))
          .body;
        const inAnswers = [...answers, openapi].filter((a) => secrets.some((x) => a.includes(x))).length;
        await s.stop();
        const afterStop = listTree(path.join(repo, STUDIO, 'runtime')).map((e) => e.path);
        m.runs = 1;
        m.figure('secrets looked for', password ? 'studio token + OpenCode password' : 'studio token (OpenCode had not started)');
        m.figure('files holding a secret', holders.join(', ') || 'none');
        m.figure('git would commit (status)', porcelain.length);
        m.figure('runtime files', runtimeFiles.map((e) => e.path).join(', '));
        m.figure('runtime files not ignored', notIgnored.length);
        m.figure('API answers holding a secret', inAnswers);
        m.figure('server.json removed at shutdown', !afterStop.includes('server.json'));
        expect(holders).toEqual([`${STUDIO}/runtime/server.json`]);
        expect(inGit.map((e) => e.path)).toEqual([]);
        expect(porcelain.filter((l) => l.includes('/runtime/'))).toEqual([]);
        expect(wouldAdd.filter((l) => l.includes('/runtime/'))).toEqual([]);
        expect(notIgnored.map((e) => e.path)).toEqual([]);
        expect(inAnswers).toBe(0);
        expect(afterStop).not.toContain('server.json');
      },
    );
  }, 120_000);
});
