import fs from 'node:fs/promises';
import http from 'node:http';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startStudio, stopStudios } from '../helpers/studio.js';
import { removeTempDirs } from '../helpers/temp-repo.js';

afterEach(stopStudios);
afterAll(removeTempDirs);

/** A raw request, so that Host and Origin can be set to anything. */
function request(url: string, options: { path: string; method?: string; headers?: Record<string, string>; body?: string }) {
  const u = new URL(url);
  return new Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }>((resolve, reject) => {
    const req = http.request(
      { host: u.hostname, port: u.port, path: options.path, method: options.method ?? 'GET', headers: options.headers },
      (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

function wsOpen(url: string, headers: Record<string, string>): Promise<string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/trpc`, { headers });
    ws.on('open', () => {
      ws.close();
      resolve('open');
    });
    ws.on('unexpected-response', (_req, res) => resolve(`refused ${res.statusCode}`));
    ws.on('error', (err) => resolve(`error ${err.message}`));
  });
}

describe('security', () => {
  it('listens on loopback only by default, and writes server.json with mode 0600', async () => {
    const { studio, root } = await startStudio();
    expect(studio.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const stat = await fs.stat(`${root}/.opencode-studio/runtime/server.json`);
    expect(stat.mode & 0o777).toBe(0o600);
    const info = JSON.parse(await fs.readFile(`${root}/.opencode-studio/runtime/server.json`, 'utf8'));
    expect(info).toMatchObject({ url: studio.url, token: studio.token, pid: process.pid });
  });

  it('401 without a token or with a wrong one, on tRPC and REST', async () => {
    const { studio } = await startStudio();
    const host = new URL(studio.url).host;
    expect((await request(studio.url, { path: '/trpc/health', headers: { host } })).status).toBe(401);
    expect((await request(studio.url, { path: '/trpc/health', headers: { host, authorization: 'Bearer nope' } })).status).toBe(
      401,
    );
    expect((await request(studio.url, { path: '/api/tasks', headers: { host } })).status).toBe(401);
    expect((await request(studio.url, { path: '/api/openapi.json', headers: { host } })).status).toBe(401);
    expect(
      (await request(studio.url, { path: '/trpc/health', headers: { host, authorization: `Bearer ${studio.token}` } })).status,
    ).toBe(200);
  });

  it('403 for a foreign Host header (DNS rebinding), even with the token', async () => {
    const { studio } = await startStudio();
    const auth = `Bearer ${studio.token}`;
    const res = await request(studio.url, { path: '/trpc/health', headers: { host: 'evil.example:80', authorization: auth } });
    expect(res.status).toBe(403);
    expect(res.body).toMatch(/DNS rebinding/);
    expect(
      (await request(studio.url, { path: '/', headers: { host: `attacker.test:${new URL(studio.url).port}` } })).status,
    ).toBe(403);
  });

  it('refuses a foreign Origin on HTTP and on the WebSocket upgrade; allows its own origin', async () => {
    const { studio } = await startStudio();
    const host = new URL(studio.url).host;
    const auth = `Bearer ${studio.token}`;
    const foreign = await request(studio.url, {
      path: '/trpc/tasks.create',
      method: 'POST',
      headers: { host, authorization: auth, origin: 'https://evil.example', 'content-type': 'application/json' },
      body: '{"title":"x"}',
    });
    expect(foreign.status).toBe(403);
    expect(
      (await request(studio.url, { path: '/trpc/health', headers: { host, authorization: auth, origin: studio.url } })).status,
    ).toBe(200);
    expect(await wsOpen(studio.url, { origin: 'https://evil.example' })).toBe('refused 403');
    expect(await wsOpen(studio.url, { host: 'evil.example' })).toBe('refused 403');
    expect(await wsOpen(studio.url, { origin: studio.url })).toBe('open');
    expect(studio.services.store.tasks.size).toBe(0);
  });

  it('limits request bodies', async () => {
    const { studio } = await startStudio();
    const host = new URL(studio.url).host;
    const body = JSON.stringify({ title: 'big', description: 'x'.repeat(3 * 1024 * 1024) });
    const res = await request(studio.url, {
      path: '/trpc/tasks.create',
      method: 'POST',
      headers: { host, authorization: `Bearer ${studio.token}`, 'content-type': 'application/json' },
      body,
    });
    expect(res.status).toBe(413);
    expect(studio.services.store.tasks.size).toBe(0);
  });

  it('the board page carries no-referrer (the token is in its URL) and a CSP', async () => {
    const { studio } = await startStudio();
    const res = await request(studio.url, { path: '/', headers: { host: new URL(studio.url).host } });
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['content-security-policy']).toMatch(/default-src 'self'/);
  });
});
