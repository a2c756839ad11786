import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRouter } from '../../server/routers/index.js';
import { TASK_ID_PATTERN, TASK_STATUSES, type Task } from '../../shared/task.js';
import { git, removeTempDirs, tempDir } from '../helpers/temp-repo.js';
import { CANARY, deepJson, HOSTILE_STRINGS, hostileString, hostileValue, toJson } from './lib/hostile.js';
import { type RawResponse, rawRequest, trpc } from './lib/http.js';
import { type Measure, measure, seedFromEnv } from './lib/results.js';
import { killStudios, launchStudio, ROOT, type StudioProcess } from './lib/studio-process.js';
import { type Entry, listTree, readDiskTasks, STUDIO } from './lib/tree.js';

const BUDGET_MS = Number(process.env.RELIABILITY_FUZZ_MS ?? 60_000);
const MB = 1024 * 1024;

type Violation = { count: number; example: string };
type Route = { method: string; template: string; query: string[]; body: boolean; operationId: string };

const state = {
  sandbox: '',
  root: '',
  studio: null as StudioProcess | null,
  ids: [] as string[],
  routes: [] as Route[],
  outsideBefore: [] as Entry[],
  gitBefore: new Set<string>(),
  canaryBefore: new Set<string>(),
  requests: 0,
  agent: new http.Agent({ keepAlive: true, maxSockets: 4 }),
};
const studio = () => state.studio!;

/** Places a path-traversal bug could write to; only names carrying the canary count. */
function canaryScan(): Set<string> {
  const found = new Set<string>();
  const scan = (dir: string, depth: number) => {
    let names: string[] = [];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      const abs = path.join(dir, name);
      if (name.toLowerCase().includes(CANARY)) found.add(abs);
      if (depth > 1 && !['node_modules', '.git', 'proc', 'sys'].includes(name)) scan(abs, depth - 1);
    }
  };
  for (const [dir, depth] of [
    ['/', 1],
    ['/etc', 1],
    [os.tmpdir(), 1],
    [os.homedir(), 1],
    [ROOT, 2],
    [path.dirname(state.sandbox), 1],
  ] as const)
    scan(dir, depth);
  // The sandbox in full, except the studio's own folder, where ids made from canary titles are legitimate.
  for (const e of listTree(state.sandbox, (rel) => rel === `repo/${STUDIO}` || rel === 'repo/.git'))
    if (e.path.toLowerCase().includes(CANARY)) found.add(path.join(state.sandbox, e.path));
  return found;
}

const outsideStudio = () => listTree(state.sandbox, (rel) => rel === `repo/${STUDIO}` || rel === 'repo/.git');
const gitPaths = () =>
  new Set(
    listTree(path.join(state.root, '.git'))
      .map((e) => e.path)
      .filter((p) => !p.endsWith('.lock')),
  );

/** Percent-encode bytes; lone surrogates go through as U+FFFD like any client would send them. */
const pct = (s: string) => [...Buffer.from(s, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
const encodeSegment = (s: string, how: 'component' | 'raw' | 'double') => {
  if (how === 'raw') return s.replace(/[^\u0021-\u007e]|[?#]/gu, pct);
  const once = s.replace(/[^A-Za-z0-9\-._~]/gu, pct);
  return how === 'component' ? once : once.replace(/%/g, '%25');
};

function violationsOf(map: Map<string, Violation>) {
  return [...map].map(([sig, v]) => `${sig} (x${v.count}), e.g. ${v.example}`);
}

const violationCount = (map: Map<string, Violation>) => [...map.values()].reduce((a, v) => a + v.count, 0);

/** fast-check runs until its share of the time budget is spent; running out of time is not a failure. */
const fuzzOptions = (seed: number) => ({
  seed,
  numRuns: 1_000_000,
  interruptAfterTimeLimit: BUDGET_MS * 0.4,
  markInterruptAsFailure: false,
});

/** The figures and the verdict of a fuzz check: no 5xx, no request without an answer, enough runs. */
function reportFuzz(
  m: Measure,
  figures: { seed: number; runs: number; what: [string, number] },
  statuses: Map<number, number>,
  violations: Map<string, Violation>,
) {
  m.runs = figures.runs;
  m.figure('seed', figures.seed);
  m.figure(...figures.what);
  m.figure('statuses', histogram(statuses));
  m.figure('violations (5xx, no answer)', violationCount(violations));
  expect(violationsOf(violations)).toEqual([]);
  expect(figures.runs).toBeGreaterThan(200);
}

/** Nesting depth of a JSON text (brackets outside strings), for the failure examples. */
function depthOf(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '[' || c === '{') max = Math.max(max, ++depth);
    else if (c === ']' || c === '}') depth--;
  }
  return max;
}

/** Connection resets without an answer are what a server does to a body it refuses to read. */
const isReset = (err: unknown) => /ECONNRESET|EPIPE|socket hang up/.test(String((err as Error).message));

async function send(
  label: string,
  req: Parameters<typeof rawRequest>[1],
  violations: Map<string, Violation>,
  statuses: Map<number, number>,
  options: { resetIsAnswer?: boolean } = {},
): Promise<RawResponse | null> {
  state.requests++;
  let res: RawResponse | null = null;
  let problem: string | null = null;
  const attempt = (agent: http.Agent | false) =>
    rawRequest(studio().url, {
      ...req,
      agent,
      timeoutMs: req.timeoutMs ?? 20_000,
      headers: { host: studio().host, authorization: `Bearer ${studio().token}`, ...req.headers },
    });
  try {
    try {
      res = await attempt(req.agent ?? state.agent);
    } catch (err) {
      // A kept-alive connection the server had already closed: ask once more on a new one.
      if (!isReset(err) || options.resetIsAnswer) throw err;
      res = await attempt(false);
    }
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    // The board's page answers 503 when the client is not built (a source checkout): that is not a failure.
    const unbuilt = res.status === 503 && /board is not built/.test(res.body);
    if (res.status >= 500 && !unbuilt) problem = `${res.status} ${res.body.replace(/\s+/g, ' ').slice(0, 140)}`;
  } catch (err) {
    // Node answers a request line + headers over its limit with 431 and closes; a client still
    // writing such a long URL sees the reset instead of the 431. That is a refusal, not a failure.
    const headersTooLarge = Buffer.byteLength(req.path) + 1024 > http.maxHeaderSize;
    if ((options.resetIsAnswer || headersTooLarge) && isReset(err)) statuses.set(0, (statuses.get(0) ?? 0) + 1);
    else problem = `no answer: ${(err as Error).message}`;
  }
  if (!studio().alive()) problem = `the studio died: ${studio().output().slice(-500)}`;
  if (problem) {
    const sig = `${label} -> ${problem.replace(/"[^"]{40,}"/g, '"…"').slice(0, 120)}`;
    const body = req.body === undefined ? '' : ` body ${req.body.length} bytes, depth ${depthOf(req.body.toString())}`;
    const v = violations.get(sig) ?? { count: 0, example: `${req.method ?? 'GET'} ${req.path.slice(0, 160)}${body}` };
    v.count++;
    violations.set(sig, v);
  }
  if (!studio().alive()) throw new Error(`the studio died during "${label}": ${studio().output().slice(-800)}`);
  return res;
}

/** Every procedure of the router, by its dotted name (the router keeps them flat). */
function procedureList(): Array<{ name: string; type: string }> {
  const flat = appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>;
  return Object.entries(flat).map(([name, p]) => ({ name, type: p._def.type }));
}

const histogram = (statuses: Map<number, number>) =>
  [...statuses]
    .sort((a, b) => a[0] - b[0])
    .map(([s, n]) => `${s}x${n}`)
    .join(' ');

/** Input objects: known fields with valid or hostile values, unknown fields, or anything at all. */
function inputArbitrary(): fc.Arbitrary<unknown> {
  const valid: Record<string, fc.Arbitrary<unknown>> = {
    id: fc.constantFrom(...state.ids, 'no-such-task'),
    title: fc.string({ minLength: 1, maxLength: 30 }).map((s) => `${CANARY} ${s}`),
    description: fc.string({ maxLength: 100 }),
    labels: fc.array(fc.string({ minLength: 1, maxLength: 10 }), { maxLength: 3 }),
    order: fc.double({ noNaN: true, noDefaultInfinity: true }),
    status: fc.constantFrom(...TASK_STATUSES),
    force: fc.boolean(),
    markdown: fc.string({ maxLength: 200 }),
    feedback: fc.string({ minLength: 1, maxLength: 50 }),
    lastEventId: fc.string({ maxLength: 20 }),
    baseBranch: fc.constantFrom('main', `${CANARY}-branch`),
    requirePlanApproval: fc.boolean(),
    maxParallel: fc.integer({ min: -2, max: 40 }),
    maxReviewIterations: fc.integer({ min: -2, max: 25 }),
    models: fc.record({ planning: fc.constantFrom(null, 'a/b', CANARY) }, { requiredKeys: [] }),
    worktreeDir: fc.constantFrom(null, `../${CANARY}-worktrees`, `/tmp/${CANARY}-worktrees`),
  };
  const fields = Object.keys(valid);
  const structured = fc
    .tuple(
      fc
        .subarray(fields, { maxLength: 5 })
        .chain((keys) =>
          fc
            .tuple(...keys.map((k) => fc.oneof({ weight: 2, arbitrary: valid[k]! }, { weight: 1, arbitrary: hostileValue })))
            .map((values) => Object.fromEntries(keys.map((k, i) => [k, values[i]]))),
        ),
      fc.option(fc.dictionary(hostileString, hostileValue, { maxKeys: 2 }), { freq: 4 }),
    )
    .map(([known, unknown]) => ({ ...known, ...(unknown ?? {}) }));
  return fc.oneof(
    { weight: 5, arbitrary: structured },
    { weight: 1, arbitrary: hostileValue },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
}

beforeAll(async () => {
  state.sandbox = await tempDir('studio-fuzz-');
  state.root = path.join(state.sandbox, 'repo');
  mkdirSync(state.root);
  git(state.root, 'init', '-q', '-b', 'main');
  git(state.root, 'config', 'user.name', 'Test User');
  git(state.root, 'config', 'user.email', 'test@example.com');
  writeFileSync(path.join(state.root, 'README.md'), '# fuzz target\n');
  git(state.root, 'add', '.');
  git(state.root, 'commit', '-q', '-m', 'initial');
  mkdirSync(path.join(state.sandbox, 'neighbour'));
  writeFileSync(path.join(state.sandbox, 'neighbour', 'keep.txt'), 'outside the repo\n');
  // No warm spare: it would be (re)made, as designed, in whatever worktreeDir the fuzzer sets,
  // and this suite checks that bad input writes nothing outside the repo (issue 22's slots have their own tests).
  mkdirSync(path.join(state.root, '.opencode-studio'));
  writeFileSync(
    path.join(state.root, '.opencode-studio/config.json'),
    `${JSON.stringify({ version: 1, baseBranch: 'main', warmSlots: 0 }, null, 2)}\n`,
  );
  state.studio = await launchStudio(state.root);
  for (let i = 0; i < 5; i++) {
    const t = await trpc<Task>(studio(), 'tasks.create', { title: `seed ${i}` });
    state.ids.push(t.id);
    await trpc(studio(), 'plans.update', { id: t.id, markdown: `# plan ${i}\n` });
  }
  const doc = JSON.parse(
    (await rawRequest(studio().url, { path: '/api/openapi.json', headers: { authorization: `Bearer ${studio().token}` } })).body,
  ) as {
    paths: Record<
      string,
      Record<string, { operationId: string; parameters?: { name: string; in: string }[]; requestBody?: unknown }>
    >;
  };
  for (const [template, methods] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(methods))
      state.routes.push({
        method: method.toUpperCase(),
        template: `/api${template}`,
        query: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
        body: op.requestBody !== undefined,
        operationId: op.operationId,
      });
  state.outsideBefore = outsideStudio();
  state.gitBefore = gitPaths();
  state.canaryBefore = canaryScan();
}, 120_000);

afterAll(async () => {
  state.agent.destroy();
  await killStudios();
  await removeTempDirs();
});

describe('bad input: random and hostile requests at every procedure and route', () => {
  it('property: random inputs at every tRPC procedure over HTTP never get a 500 or kill the studio', async () => {
    await measure('Bad input', 'fast-check: every tRPC procedure over HTTP (GET, POST, batch, wrong method)', async (m) => {
      const procedures = procedureList();
      const bogus = [
        '__proto__',
        'constructor',
        'tasks.__proto__',
        'tasks.constructor.name',
        `../../${CANARY}`,
        'tasks',
        'toString',
      ];
      const seed = seedFromEnv();
      const violations = new Map<string, Violation>();
      const statuses = new Map<number, number>();
      let runs = 0;
      const arb = fc.record({
        proc: fc.oneof(
          { weight: 9, arbitrary: fc.constantFrom(...procedures) },
          { weight: 1, arbitrary: fc.constantFrom(...bogus).map((name) => ({ name, type: 'mutation' })) },
        ),
        input: inputArbitrary(),
        transport: fc.constantFrom('native', 'native', 'native', 'wrong-method', 'batch', 'no-input'),
      });
      await fc.assert(
        fc.asyncProperty(arb, async ({ proc, input, transport }) => {
          runs++;
          const name = encodeSegment(proc.name, 'component').replace(/%2E/g, '.');
          const json = toJson(input);
          const asGet = (proc.type !== 'mutation') !== (transport === 'wrong-method');
          const label = `trpc ${proc.name} ${transport}`;
          if (transport === 'batch') {
            const other = procedures[runs % procedures.length]!;
            const batch = `{"0":${json},"1":${json}}`;
            await send(
              label,
              asGet
                ? { path: `/trpc/${name},${other.name}?batch=1&input=${encodeURIComponent(batch)}` }
                : {
                    path: `/trpc/${name},${other.name}?batch=1`,
                    method: 'POST',
                    headers: { 'content-type': 'application/json' },
                    body: batch,
                  },
              violations,
              statuses,
            );
          } else if (asGet) {
            const query = transport === 'no-input' || input === undefined ? '' : `?input=${encodeURIComponent(json)}`;
            await send(
              label,
              { path: `/trpc/${name}${query}`, headersOnly: proc.type === 'subscription', timeoutMs: 10_000 },
              violations,
              statuses,
            );
          } else {
            await send(
              label,
              {
                path: `/trpc/${name}`,
                method: 'POST',
                headers: { 'content-type': 'application/json' },
                body: transport === 'no-input' ? undefined : json,
              },
              violations,
              statuses,
            );
          }
          return true;
        }),
        fuzzOptions(seed),
      );
      reportFuzz(m, { seed, runs, what: ['procedures', procedures.length] }, statuses, violations);
    });
  }, 180_000);

  it('property: random path parameters, queries and bodies at every REST route never get a 500', async () => {
    await measure(
      'Bad input',
      'fast-check: every REST route of /api/openapi.json (path, query, body, content type)',
      async (m) => {
        const seed = seedFromEnv() + 1;
        const violations = new Map<string, Violation>();
        const statuses = new Map<number, number>();
        let runs = 0;
        const arb = fc.record({
          route: fc.constantFrom(...state.routes),
          id: fc.oneof({ weight: 1, arbitrary: fc.constantFrom(...state.ids) }, { weight: 3, arbitrary: hostileString }),
          encoding: fc.constantFrom('component' as const, 'raw' as const, 'double' as const),
          query: fc.dictionary(fc.constantFrom('status', 'force', 'id', 'input', CANARY), hostileString, { maxKeys: 3 }),
          input: inputArbitrary(),
          contentType: fc.constantFrom(
            'application/json',
            'application/json',
            'application/json',
            'application/json; charset=utf-16',
            'text/plain',
            'application/x-www-form-urlencoded',
            '',
          ),
        });
        await fc.assert(
          fc.asyncProperty(arb, async ({ route, id, encoding, query, input, contentType }) => {
            runs++;
            const p = route.template.replace('{id}', encodeSegment(id.slice(0, 2000), encoding));
            const qs = Object.entries(query)
              .map(([k, v]) => `${k}=${encodeSegment(v.slice(0, 2000), 'component')}`)
              .join('&');
            const headers: Record<string, string> = contentType ? { 'content-type': contentType } : {};
            const hasBody = route.method !== 'GET' && route.method !== 'DELETE';
            await send(
              `${route.method} ${route.template}`,
              { path: qs ? `${p}?${qs}` : p, method: route.method, headers, body: hasBody ? toJson(input) : undefined },
              violations,
              statuses,
            );
            return true;
          }),
          fuzzOptions(seed),
        );
        reportFuzz(m, { seed, runs, what: ['routes', state.routes.length] }, statuses, violations);
      },
    );
  }, 180_000);

  it('hostile bodies and URLs at every route: deep JSON, over 2 MB, broken encodings, traversal paths', async () => {
    await measure(
      'Bad input',
      'enumerated: 10,000-deep JSON, > 2 MB (sized and chunked), broken JSON/UTF-8, traversal URLs',
      async (m) => {
        const violations = new Map<string, Violation>();
        const statuses = new Map<number, number>();
        const wrong: string[] = [];
        const id = state.ids[0]!;
        const targets = [
          ...procedureList()
            .filter((p) => p.type === 'mutation')
            .map((p) => ({ method: 'POST', path: `/trpc/${p.name}` })),
          ...state.routes
            .filter((r) => r.method !== 'GET' && r.method !== 'DELETE')
            .map((r) => ({ method: r.method, path: r.template.replace('{id}', id) })),
        ];
        const deep = deepJson(10_000, 'array').text;
        const bodies: Array<[string, string | Buffer, Record<string, string>?]> = [
          ['10,000-deep array', deep],
          ['10,000-deep object', deepJson(10_000, 'object').text],
          ['100,000-deep array', deepJson(100_000, 'array').text],
          ['10,000-deep field', `{"id":"${id}","title":${deep},"markdown":${deep}}`],
          ['broken JSON', '{"title": '],
          ['empty', ''],
          ['BOM', '\ufeff{"title":"bom"}'],
          ['raw NUL', '{"title":"a\u0000b"}'],
          ['escaped NUL', '{"title":"a\\u0000b","markdown":"\\u0000"}'],
          [
            'invalid UTF-8',
            Buffer.from([0x7b, 0x22, 0x74, 0x69, 0x74, 0x6c, 0x65, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc0, 0xae, 0x22, 0x7d]),
          ],
          ['__proto__', `{"__proto__":{"polluted":"${CANARY}"},"title":"proto"}`],
          ['constructor.prototype', `{"constructor":{"prototype":{"polluted":"${CANARY}"}},"title":"ctor"}`],
          ['duplicate keys', '{"title":"a","title":"b","id":"x","id":"y"}'],
          ['1e999', `{"id":"${id}","order":1e999,"maxParallel":1e999}`],
          [
            'form-encoded deep',
            `${'a'.repeat(1)}${'[b]'.repeat(2000)}=1`,
            { 'content-type': 'application/x-www-form-urlencoded' },
          ],
          ['JSON as text/plain', '{"title":"plain"}', { 'content-type': 'text/plain' }],
        ];
        for (const t of targets) {
          for (const [label, body, headers] of bodies) {
            await send(
              `${t.method} ${t.path.replace(id, '{id}')} ${label}`,
              { path: t.path, method: t.method, headers: { 'content-type': 'application/json', ...headers }, body, agent: false },
              violations,
              statuses,
            );
          }
        }
        // Bodies over the 2 MB limit: 413, whether the length is announced or streamed.
        const big = `{"title":"big","description":"${'x'.repeat(3 * MB)}"}`;
        for (const t of targets) {
          for (const chunked of [false, true]) {
            const res = await send(
              `${t.method} ${t.path.replace(id, '{id}')} 3 MB ${chunked ? 'chunked' : 'sized'}`,
              {
                path: t.path,
                method: t.method,
                headers: chunked
                  ? { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }
                  : { 'content-type': 'application/json' },
                body: big,
                agent: false,
              },
              violations,
              statuses,
              { resetIsAnswer: true },
            );
            if (res && res.status !== 413)
              wrong.push(`${t.method} ${t.path} 3 MB ${chunked ? 'chunked' : 'sized'}: ${res.status}`);
          }
        }
        const huge = Buffer.alloc(20 * MB, 0x61);
        for (const t of targets.slice(0, 2)) {
          const res = await send(
            `${t.method} ${t.path} 20 MB chunked`,
            {
              path: t.path,
              method: t.method,
              headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
              body: huge,
              agent: false,
            },
            violations,
            statuses,
            { resetIsAnswer: true },
          );
          if (res && res.status !== 413) wrong.push(`${t.path} 20 MB: ${res.status}`);
        }
        // Traversal through the URL: the static files, the API, the studio's own files.
        const urls = [
          '/..%2f..%2f..%2f..%2fetc%2fpasswd',
          '/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
          '/../../../../etc/passwd',
          '/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd',
          '//etc/passwd',
          '/\\..\\..\\etc\\passwd',
          '/assets/..%2f..%2f..%2fpackage.json',
          '/assets/..%252f..%252fpackage.json',
          '/index.html/../../package.json',
          '/package.json',
          '/server/cli/main.ts',
          '/.git/config',
          `/${STUDIO}/runtime/server.json`,
          '/api/../trpc/health',
          '/api/tasks/..%2f..%2f..%2fetc%2fpasswd',
          '/api/tasks/%2e%2e',
          '/api/tasks/..',
          '/api/tasks/.%2e/plan',
          '/api/tasks/%00',
          '/api/tasks/%ff%fe',
          '/api/tasks/%',
          '/trpc/..%2ftasks.list',
          '/trpc/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
          `/trpc/tasks.get?input=${encodeURIComponent(JSON.stringify({ id: '../../../etc/passwd' }))}`,
          `/trpc/tasks.get?input=${encodeURIComponent(JSON.stringify({ id: `${STUDIO}/runtime/server` }))}`,
          ...HOSTILE_STRINGS.slice(0, 20).map((s) => `/api/tasks/${encodeSegment(s, 'raw')}/plan`),
        ];
        const secrets = [/root:x:0:0/, new RegExp(studio().token), /"name":\s*"opencode-studio"/, /\[core\]/];
        for (const url of urls) {
          for (const method of ['GET', 'PUT', 'DELETE']) {
            const res = await send(
              `${method} ${url}`,
              {
                path: url,
                method,
                headers: { 'content-type': 'application/json' },
                body: method === 'GET' ? undefined : '{"markdown":"x"}',
                agent: false,
              },
              violations,
              statuses,
            );
            if (res && secrets.some((s) => s.test(res.body)))
              wrong.push(`${method} ${url} leaked a file: ${res.body.slice(0, 80)}`);
          }
        }
        m.runs = statuses.size ? [...statuses.values()].reduce((a, b) => a + b, 0) : 0;
        m.figure('targets', targets.length);
        m.figure('statuses', histogram(statuses));
        m.figure('> 2 MB answered 413 / reset before the answer', `${statuses.get(413) ?? 0}/${statuses.get(0) ?? 0}`);
        m.figure('> 2 MB answered otherwise', wrong.filter((w) => w.includes('MB')).length);
        m.figure('violations (5xx, no answer)', violationCount(violations));
        expect([...violationsOf(violations), ...wrong]).toEqual([]);
      },
    );
  }, 300_000);

  it('regression: a REST request body nested 10,000 levels deep answers 400, not 500', async () => {
    await measure('Bad input', 'regression: deep JSON body on REST routes (500 from a stack overflow)', async (m) => {
      const got: string[] = [];
      const bodyRoutes = state.routes.filter((r) => r.method !== 'GET');
      for (const r of bodyRoutes) {
        for (const depth of [5_000, 10_000]) {
          const res = await rawRequest(studio().url, {
            path: r.template.replace('{id}', state.ids[0]!),
            method: r.method,
            headers: { host: studio().host, authorization: `Bearer ${studio().token}`, 'content-type': 'application/json' },
            body: deepJson(depth, 'array').text,
          });
          if (res.status !== 400) got.push(`${r.method} ${r.template} depth ${depth}: ${res.status}`);
        }
      }
      m.runs = bodyRoutes.length * 2;
      m.figure('routes answering 500', got.length);
      expect(got).toEqual([]);
    });
  }, 60_000);

  it('nothing was written outside .opencode-studio/, every file there is one the studio owns, and it still serves', async () => {
    await measure(
      'Bad input',
      'after all of the above: files outside .opencode-studio/, stray files, the studio alive',
      async (m) => {
        m.runs = state.requests;
        const outsideAfter = outsideStudio();
        const key = (e: Entry) => `${e.path} ${e.type} ${e.size}`;
        const before = new Set(state.outsideBefore.map(key));
        const after = new Set(outsideAfter.map(key));
        const added = [...after].filter((k) => !before.has(k));
        const removed = [...before].filter((k) => !after.has(k));
        const gitAfter = gitPaths();
        const gitAdded = [...gitAfter].filter((p) => !state.gitBefore.has(p));
        const canaries = [...canaryScan()].filter((p) => !state.canaryBefore.has(p));
        const allowed = (rel: string) => {
          if (['config.json', '.gitignore', '.gitattributes', 'tasks', 'plans', 'reviews', 'runtime'].includes(rel)) return true;
          if (rel.startsWith('runtime/')) return true;
          const [folder, name, ...rest] = rel.split('/');
          if (rest.length || !name) return false;
          const ext = { tasks: '.json', plans: '.md', reviews: '.md' }[folder ?? ''];
          return (
            ext !== undefined && (name === '.gitkeep' || (name.endsWith(ext) && TASK_ID_PATTERN.test(name.slice(0, -ext.length))))
          );
        };
        const stray = listTree(path.join(state.root, STUDIO))
          .map((e) => e.path)
          .filter((p) => !allowed(p));
        const disk = readDiskTasks(state.root);
        const health = await trpc<{ ok: boolean }>(studio(), 'health', undefined, 'query');
        const listed = await trpc<Task[]>(studio(), 'tasks.list', undefined, 'query');
        const internal = (
          studio()
            .output()
            .match(/internal error/g) ?? []
        ).length;
        m.figure('requests sent in this file', state.requests);
        m.figure('files added/removed outside .opencode-studio/', `${added.length}/${removed.length}`);
        m.figure('new paths in .git', gitAdded.length);
        m.figure('canary files anywhere', canaries.length);
        m.figure('stray files in .opencode-studio/', stray.length);
        m.figure('tasks on disk (all parse)', `${disk.tasks.size} (${disk.bad.length} bad)`);
        m.figure('"internal error" lines logged', internal);
        console.log({ added, removed, gitAdded });
        expect({ added, removed, gitAdded, canaries, stray, bad: disk.bad }).toEqual({
          added: [],
          removed: [],
          gitAdded: [],
          canaries: [],
          stray: [],
          bad: [],
        });
        expect(health.ok).toBe(true);
        expect(listed.length).toBe(disk.tasks.size);
        expect(studio().alive()).toBe(true);
      },
    );
  }, 60_000);
});
