/**
 * Where the time of `tasks.list` goes at N tasks, in one process with the built modules:
 * the store's sorted list, the sort itself, zod output validation, the whole procedure, JSON
 * serialisation, and an HTTP round trip to the same process for reference.
 * Usage: tsx bench/probes/list-profile.ts <repo>; prints one JSON line.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { distUrl } from '../lib/probe.js';

const root = process.argv[2];
if (!root) throw new Error('usage: list-profile <repo>');

const { createStudioServer } = (await import(distUrl('server/index.js'))) as typeof import('../../server/index.js');
const { appRouter } = (await import(distUrl('server/routers/index.js'))) as typeof import('../../server/routers/index.js');
const { Task, TASK_STATUSES } = (await import(distUrl('shared/task.js'))) as typeof import('../../shared/task.js');
const { z } = await import('zod');

const REPS = 25;

async function time(fn: () => unknown): Promise<{ min: number; median: number }> {
  for (let i = 0; i < 3; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < REPS; i++) {
    const t = performance.now();
    await fn();
    samples.push(performance.now() - t);
  }
  samples.sort((a, b) => a - b);
  return { min: samples[0]!, median: samples[Math.floor(samples.length / 2)]! };
}

const studio = await createStudioServer({ root, port: 0 });
try {
  const store = studio.services.store;
  const caller = appRouter.createCaller({ services: studio.services, principal: { kind: 'person' as const } });
  const list = store.tasks.list();
  const rank = new Map(TASK_STATUSES.map((s, i) => [s, i]));
  const shuffled = [...list].sort(() => Math.random() - 0.5);
  const outputSchema = z.array(Task);
  const payload = { result: { data: list } };
  const text = JSON.stringify(payload);
  const headers = { authorization: `Bearer ${studio.token}` };
  // The floor: the same body, serialised once, served by a bare node:http server in this process.
  const cached = await (async () => {
    const body = Buffer.from(text);
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
      res.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}/`,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  })();

  const result = {
    tasks: list.length,
    bytes: Buffer.byteLength(text),
    storeListCached: await time(() => store.tasks.list()),
    listJsonCached: await time(() => store.tasks.listJson()),
    sort: await time(() =>
      [...shuffled].sort(
        (a, b) => rank.get(a.status)! - rank.get(b.status)! || a.order - b.order || a.createdAt.localeCompare(b.createdAt),
      ),
    ),
    outputValidation: await time(() => outputSchema.parse(list)),
    procedure: await time(() => caller.tasks.list()),
    stringify: await time(() => JSON.stringify(payload)),
    stringifyValidated: await time(() => JSON.stringify({ result: { data: outputSchema.parse(list) } })),
    clientParse: await time(() => JSON.parse(text)),
    httpSameProcess: await time(async () => {
      const res = await fetch(`${studio.url}/trpc/tasks.list`, { headers });
      await res.arrayBuffer();
    }),
    httpCachedBody: await time(async () => {
      const res = await fetch(cached.url);
      await res.arrayBuffer();
    }),
  };
  await cached.close();
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  await studio.close();
}
