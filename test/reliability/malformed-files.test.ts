import { execFileSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ProjectInfo } from '../../shared/api.js';
import type { Task } from '../../shared/task.js';
import { removeTempDirs, tempDir, tempRepo } from '../helpers/temp-repo.js';
import { sleep } from '../helpers/wait.js';
import { HttpStatusError, trpc } from './lib/http.js';
import { measure, rng } from './lib/results.js';
import { killStudios, launchStudio, type StudioProcess, spawnStudio } from './lib/studio-process.js';
import { STUDIO } from './lib/tree.js';
import { type EventClient, subscribeEvents } from './lib/ws-client.js';

afterAll(async () => {
  await killStudios();
  await removeTempDirs();
});

const MB = 1024 * 1024;
const random = rng(20_251_121);
const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(random() * 256)));
const validTask = (title: string, extra = '') =>
  `{"title":${JSON.stringify(title)},"status":"todo","order":1,"createdAt":"2026-01-01T00:00:00.000Z","updatedAt":"2026-01-01T00:00:00.000Z"${extra}}\n`;

/**
 * What each malformed file must lead to. `report`: a file.invalid event and an entry in
 * project.info problems. `serve`: no report needed (free markdown, a link, a folder), but nothing
 * the board does with it may fail with a 5xx.
 */
type Case = {
  name: string;
  /** Relative to .opencode-studio/. */
  file: string;
  expect: 'report' | 'serve' | 'report-or-serve';
  make: (abs: string, ctx: Ctx) => void;
  /** The task id the file belongs to, to probe tasks.get/update/delete on it. */
  id?: string;
  /** Extra checks after the studio has seen the file; return what went wrong. */
  check?: (ctx: Ctx) => Promise<string[]>;
};
type Ctx = { root: string; outside: string; studio: StudioProcess; good: Task[] };

const writeText = (text: string | Buffer) => (abs: string) => writeFileSync(abs, text);

function cases(): Case[] {
  return [
    { name: 'task: not JSON', file: 'tasks/bad-json.json', expect: 'report', make: writeText('{"title": ') },
    { name: 'task: a JSON array', file: 'tasks/array-task.json', expect: 'report', make: writeText('[1,2,3]\n') },
    { name: 'task: JSON null', file: 'tasks/null-task.json', expect: 'report', make: writeText('null\n') },
    {
      name: 'task: wrong types',
      file: 'tasks/wrong-types.json',
      expect: 'report',
      make: writeText('{"title":5,"status":"bogus","order":"first","labels":"ui"}\n'),
    },
    {
      name: 'task: id does not match the file name',
      file: 'tasks/id-mismatch.json',
      expect: 'report',
      make: writeText('{"id":"someone-else","title":"x","status":"todo"}\n'),
    },
    { name: 'task: empty file', file: 'tasks/empty-task.json', expect: 'report', make: writeText('') },
    { name: 'task: binary', file: 'tasks/binary-task.json', expect: 'report', make: (abs) => writeFileSync(abs, bytes(4096)) },
    {
      name: 'task: 50 MB of garbage',
      file: 'tasks/huge-task.json',
      expect: 'report',
      make: writeText(`{"title":"${'x'.repeat(50 * MB)}`),
    },
    {
      name: 'task: UTF-8 byte order mark',
      file: 'tasks/bom-task.json',
      id: 'bom-task',
      expect: 'report-or-serve',
      make: writeText(`\ufeff${validTask('bom')}`),
    },
    {
      name: 'task: a field nested 10,000 deep',
      file: 'tasks/deep-task.json',
      id: 'deep-task',
      expect: 'report-or-serve',
      make: writeText(validTask('deep', `,"notes":${'['.repeat(10_000)}${']'.repeat(10_000)}`)),
    },
    {
      name: 'task: a directory named like a task file',
      file: 'tasks/dir-task.json',
      id: 'dir-task',
      expect: 'serve',
      make: (abs) => mkdirSync(path.join(abs, 'inner'), { recursive: true }),
    },
    {
      name: 'task: a symlink to a task file outside the repo',
      file: 'tasks/link-out.json',
      id: 'link-out',
      expect: 'report-or-serve',
      make: (abs, ctx) => {
        writeFileSync(path.join(ctx.outside, 'outside-task.json'), validTask('outside'));
        symlinkSync(path.join(ctx.outside, 'outside-task.json'), abs);
      },
      check: async (ctx) => {
        const problems: string[] = [];
        const before = readFileSync(path.join(ctx.outside, 'outside-task.json'), 'utf8');
        await trpc(ctx.studio, 'tasks.update', { id: 'link-out', title: 'written through?' }).catch(() => undefined);
        await trpc(ctx.studio, 'plans.update', { id: 'link-out', markdown: '# plan' }).catch(() => undefined);
        if (readFileSync(path.join(ctx.outside, 'outside-task.json'), 'utf8') !== before)
          problems.push('an update of a linked task wrote to the file outside the repo');
        return problems;
      },
    },
    {
      name: 'task: a symlink to itself (ELOOP)',
      file: 'tasks/loop-task.json',
      id: 'loop-task',
      expect: 'serve',
      make: (abs) => symlinkSync(abs, abs),
    },
    {
      name: 'task: a dangling symlink',
      file: 'tasks/dangling-task.json',
      id: 'dangling-task',
      expect: 'serve',
      make: (abs, ctx) => symlinkSync(path.join(ctx.outside, 'does-not-exist.json'), abs),
    },
    { name: 'config.json: not JSON', file: 'config.json', expect: 'report', make: writeText('{"maxParallel": ') },
    {
      name: 'config.json: wrong types',
      file: 'config.json',
      expect: 'report',
      make: writeText('{"maxParallel":"lots","models":7}\n'),
    },
    { name: 'config.json: empty', file: 'config.json', expect: 'report', make: writeText('') },
    { name: 'config.json: binary', file: 'config.json', expect: 'report', make: (abs) => writeFileSync(abs, bytes(2048)) },
    {
      name: 'plan: odd bytes (invalid UTF-8, NUL, BOM, CRLF, RTL override)',
      file: 'plans/{good0}.md',
      expect: 'serve',
      make: (abs) =>
        writeFileSync(
          abs,
          Buffer.concat([
            Buffer.from('\ufeff# Plan\r\n\u202eevil\u202c\r\n'),
            Buffer.from([0xff, 0xfe, 0x00, 0xc0, 0xae, 0xed, 0xa0, 0x80]),
            Buffer.from('\n- step\u0000two\n'),
          ]),
        ),
    },
    { name: 'plan: binary', file: 'plans/{good1}.md', expect: 'serve', make: (abs) => writeFileSync(abs, bytes(8192)) },
    {
      name: 'plan: 50 MB',
      file: 'plans/{good2}.md',
      expect: 'serve',
      make: writeText(`# big\n${'- step\n'.repeat((50 * MB) / 7)}`),
    },
    { name: 'plan: empty', file: 'plans/{good3}.md', expect: 'serve', make: writeText('') },
    {
      name: 'plan: a directory where the plan file should be',
      file: 'plans/{good4}.md',
      expect: 'serve',
      make: (abs) => mkdirSync(abs),
    },
    {
      name: 'plan: a symlink to a file outside the repo',
      file: 'plans/{good5}.md',
      expect: 'serve',
      make: (abs, ctx) => {
        writeFileSync(path.join(ctx.outside, 'outside-plan.md'), '# not yours\n');
        symlinkSync(path.join(ctx.outside, 'outside-plan.md'), abs);
      },
      check: async (ctx) => {
        const problems: string[] = [];
        // Reading through the link would show any file of the machine (a cloned repo could point at ~/.ssh).
        const got = await trpc<{ plan: string | null }>(ctx.studio, 'tasks.get', { id: ctx.good[5]!.id }, 'query').catch(
          () => null,
        );
        if (got?.plan?.includes('not yours')) problems.push('tasks.get showed the file outside the repo as the plan');
        await trpc(ctx.studio, 'plans.update', { id: ctx.good[5]!.id, markdown: '# replaced' }).catch(() => undefined);
        if (readFileSync(path.join(ctx.outside, 'outside-plan.md'), 'utf8') !== '# not yours\n')
          problems.push('a plan update wrote through the symlink to a file outside the repo');
        return problems;
      },
    },
    { name: 'review: binary', file: 'reviews/{good6}.md', expect: 'serve', make: (abs) => writeFileSync(abs, bytes(4096)) },
    {
      name: 'review: a directory where the review file should be',
      file: 'reviews/{good7}.md',
      expect: 'serve',
      make: (abs) => mkdirSync(abs),
    },
  ];
}

const GOOD = 9;

async function requestStatus(studio: StudioProcess, procedure: string, input: unknown, kind: 'query' | 'mutation') {
  try {
    await trpc(studio, procedure, input, kind, 60_000);
    return 200;
  } catch (err) {
    if (err instanceof HttpStatusError) return err.status;
    return 0;
  }
}

/** Everything the board does, on the good tasks and on the task the case belongs to: nothing may be a 5xx or go unanswered. */
async function probe(ctx: Ctx, id: string | undefined): Promise<string[]> {
  const bad: string[] = [];
  const calls: Array<[string, unknown, 'query' | 'mutation']> = [
    ['health', undefined, 'query'],
    ['tasks.list', undefined, 'query'],
    ['project.info', undefined, 'query'],
    ['config.get', undefined, 'query'],
    ['tasks.get', { id: ctx.good[8]!.id }, 'query'],
    ['tasks.update', { id: ctx.good[8]!.id, description: `probe ${Date.now()}` }, 'mutation'],
    ['tasks.create', { title: 'probe' }, 'mutation'],
  ];
  if (id)
    calls.push(
      ['tasks.get', { id }, 'query'],
      ['tasks.update', { id, title: 'probe' }, 'mutation'],
      ['plans.update', { id, markdown: '# probe' }, 'mutation'],
    );
  for (const [procedure, input, kind] of calls) {
    const status = await requestStatus(ctx.studio, procedure, input, kind);
    if (status === 0 || status >= 500)
      bad.push(`${procedure}${id && JSON.stringify(input)?.includes(id) ? ` (${id})` : ''} -> ${status || 'no answer'}`);
  }
  if (!ctx.studio.alive()) bad.push('the studio died');
  return bad;
}

const resolveFile = (file: string, good: Task[]) => file.replace(/\{good(\d)\}/, (_, i: string) => good[Number(i)]!.id);

async function waitReported(
  ctx: Ctx,
  events: EventClient,
  rel: string,
  timeoutMs = 8_000,
): Promise<{ event: boolean; problem: boolean }> {
  const deadline = Date.now() + timeoutMs;
  const full = `${STUDIO}/${rel}`;
  let result = { event: false, problem: false };
  while (Date.now() < deadline) {
    const info = await trpc<ProjectInfo>(ctx.studio, 'project.info', undefined, 'query', 60_000).catch(() => null);
    result = {
      event: events.events.some((e) => e.type === 'file.invalid' && e.path === full),
      problem: !!info?.problems.some((p) => p.path === full),
    };
    if (result.event && result.problem) break;
    await sleep(200);
  }
  return result;
}

describe('malformed hand-edited files: the studio stays up, reports them and keeps serving', () => {
  const shared = { root: '', outside: '', good: [] as Task[], reportable: [] as string[] };

  it('every kind of malformed file, written while the studio runs', async () => {
    await measure('Malformed files', 'while running: task/config/plan/review files malformed in every way', async (m) => {
      shared.root = await tempRepo();
      shared.outside = await tempDir('studio-outside-');
      const studio = await launchStudio(shared.root);
      const good: Task[] = [];
      for (let i = 0; i < GOOD; i++) good.push(await trpc<Task>(studio, 'tasks.create', { title: `good ${i}` }));
      shared.good = good;
      const events = subscribeEvents(studio);
      await events.ready;
      const ctx: Ctx = { root: shared.root, outside: shared.outside, studio, good };
      const goodConfig = readFileSync(path.join(shared.root, STUDIO, 'config.json'));
      await trpc(studio, 'config.update', { maxParallel: 7 });
      const failures: string[] = [];
      let reported = 0;
      const list = cases();
      for (const c of list) {
        const rel = resolveFile(c.file, good);
        const abs = path.join(shared.root, STUDIO, rel);
        if (rel === 'config.json') writeFileSync(abs, goodConfig);
        c.make(abs, ctx);
        await sleep(400);
        if (c.expect !== 'serve') {
          const r = await waitReported(ctx, events, rel, c.expect === 'report' ? 8_000 : 2_000);
          if (r.event && r.problem) reported++;
          else if (c.expect === 'report')
            failures.push(`${c.name}: not reported (file.invalid event: ${r.event}, in project.info problems: ${r.problem})`);
          if (r.event && r.problem && rel.startsWith('tasks/')) shared.reportable.push(rel);
        }
        const goodIndex = /\{good(\d)\}/.exec(c.file)?.[1];
        const id = c.id ?? (goodIndex === undefined ? undefined : good[Number(goodIndex)]!.id);
        for (const b of await probe(ctx, id)) failures.push(`${c.name}: ${b}`);
        for (const b of (await c.check?.(ctx)) ?? []) failures.push(`${c.name}: ${b}`);
        // One file that breaks the whole board would hide the cases after it: it has its own regression test.
        if (c.file === 'tasks/deep-task.json') {
          rmSync(abs, { force: true });
          shared.reportable = shared.reportable.filter((r) => r !== rel);
        }
        if (rel === 'config.json') {
          const config = await trpc<{ maxParallel: number }>(studio, 'config.get', undefined, 'query').catch(() => null);
          if (config?.maxParallel !== 7) failures.push(`${c.name}: the last good config was not kept (${config?.maxParallel})`);
        }
      }
      writeFileSync(path.join(shared.root, STUDIO, 'config.json'), goodConfig);

      // A file where the tasks folder should be.
      const tasksDir = path.join(shared.root, STUDIO, 'tasks');
      renameSync(tasksDir, `${tasksDir}.moved`);
      writeFileSync(tasksDir, 'not a folder\n');
      await sleep(400);
      const created = await requestStatus(studio, 'tasks.create', { title: 'where to?' }, 'mutation');
      if (created === 0 || created >= 500)
        failures.push(`a file where tasks/ should be: tasks.create -> ${created || 'no answer'}`);
      const listed = await requestStatus(studio, 'tasks.list', undefined, 'query');
      if (listed !== 200) failures.push(`a file where tasks/ should be: tasks.list -> ${listed}`);
      rmSync(tasksDir);
      renameSync(`${tasksDir}.moved`, tasksDir);
      await sleep(400);

      m.runs = list.length + 1;
      m.figure('cases', list.length + 1);
      m.figure('reported (file.invalid + problems)', reported);
      m.figure('file.invalid events', events.events.filter((e) => e.type === 'file.invalid').length);
      m.figure('5xx or no answer', failures.filter((f) => / -> (5\d\d|no answer)/.test(f)).length);
      m.figure('studio alive at the end', studio.alive());
      await events.close();
      const exit = await studio.stop(15_000);
      m.figure('clean shutdown', exit.signal === null ? `exit ${exit.code}` : `killed (${exit.signal})`);
      expect(failures).toEqual([]);
      expect(exit.signal, 'the studio did not shut down on SIGTERM').toBeNull();
    });
  }, 300_000);

  it('restart with all of them on disk: the studio starts, serves the good tasks and reports the bad ones', async () => {
    await measure('Malformed files', 'restart with every malformed file present', async (m) => {
      expect(shared.root, 'runs after the previous test').not.toBe('');
      let studio: StudioProcess;
      try {
        studio = await launchStudio(shared.root, { timeoutMs: 30_000 });
      } catch (err) {
        m.figure('started', false);
        throw err;
      }
      m.figure('started in ms', Math.round(studio.startMs));
      const listed = await trpc<Task[]>(studio, 'tasks.list', undefined, 'query', 60_000);
      const info = await trpc<ProjectInfo>(studio, 'project.info', undefined, 'query');
      const missingGood = shared.good.filter((g) => !listed.some((t) => t.id === g.id)).map((g) => g.id);
      const unreported = shared.reportable.filter((rel) => !info.problems.some((p) => p.path === `${STUDIO}/${rel}`));
      m.runs = 1;
      m.figure('tasks listed', listed.length);
      m.figure('problems listed', info.problems.length);
      await studio.stop();
      expect(missingGood).toEqual([]);
      expect(unreported).toEqual([]);
    });
  }, 120_000);

  it('restart with a malformed config.json refuses to start and names the file (by design)', async () => {
    await measure('Malformed files', 'restart with config.json malformed: refuses, naming the file', async (m) => {
      const root = await tempRepo();
      const first = await launchStudio(root);
      await first.stop();
      writeFileSync(path.join(root, STUDIO, 'config.json'), '{"maxParallel": "lots"}\n');
      const raw = spawnStudio(root);
      const exit = await Promise.race([raw.exited, sleep(30_000).then(() => null)]);
      if (exit === null) await raw.kill9();
      m.figure('exit code', exit?.code ?? 'hung');
      expect(exit?.code).toBe(1);
      expect(raw.output()).toMatch(/config\.json.*maxParallel/);
    });
  }, 60_000);

  it('regression: a directory (or a symlink loop) named like a task file does not stop the studio from starting', async () => {
    await measure('Malformed files', 'regression: tasks/<id>.json that is a folder or a symlink loop, at start-up', async (m) => {
      const results: string[] = [];
      for (const [label, make] of [
        ['a folder', (abs: string) => mkdirSync(abs)],
        ['a symlink loop', (abs: string) => symlinkSync(abs, abs)],
      ] as const) {
        const root = await tempRepo();
        execFileSync(
          process.execPath,
          ['--import', 'tsx', path.join(import.meta.dirname, '../../server/cli/main.ts'), 'init', root],
          {
            cwd: path.join(import.meta.dirname, '../..'),
            stdio: 'ignore',
          },
        );
        make(path.join(root, STUDIO, 'tasks', 'odd-one.json'));
        const raw = spawnStudio(root, [], 'none');
        const outcome = await Promise.race([
          new Promise<string>((resolve) => {
            const timer = setInterval(() => {
              if (/ready at/.test(raw.output())) {
                clearInterval(timer);
                resolve('started');
              }
            }, 50);
            void raw.exited.then(() => {
              clearInterval(timer);
              resolve(`exited: ${raw.output().trim().split('\n').at(-1)}`);
            });
          }),
          sleep(30_000).then(() => 'hung'),
        ]);
        await raw.kill9();
        if (outcome !== 'started') results.push(`${label}: ${outcome}`);
      }
      m.runs = 2;
      m.figure('failed to start', results.length);
      expect(results).toEqual([]);
    });
  }, 120_000);

  it('regression: a directory where a plan or review file should be answers 4xx, not 500', async () => {
    await measure('Malformed files', 'regression: plans/<id>.md or reviews/<id>.md that is a folder', async (m) => {
      const root = await tempRepo();
      const studio = await launchStudio(root);
      const bad: string[] = [];
      for (const folder of ['plans', 'reviews']) {
        const task = await trpc<Task>(studio, 'tasks.create', { title: `${folder} folder` });
        mkdirSync(path.join(root, STUDIO, folder, `${task.id}.md`));
        await sleep(300);
        for (const [procedure, input, kind] of [
          ['tasks.get', { id: task.id }, 'query'],
          ['plans.update', { id: task.id, markdown: '# x' }, 'mutation'],
          ['tasks.delete', { id: task.id }, 'mutation'],
        ] as const) {
          const status = await requestStatus(studio, procedure, input, kind);
          if (status >= 500 || status === 0) bad.push(`${folder}: ${procedure} -> ${status}`);
        }
      }
      m.runs = 6;
      m.figure('5xx answers', bad.length);
      await studio.stop();
      expect(bad).toEqual([]);
    });
  }, 60_000);

  it('regression: a task file with a field nested 10,000 deep does not break tasks.list for the whole board', async () => {
    await measure(
      'Malformed files',
      'regression: one task file nested 10,000 deep (stack overflow in JSON.stringify)',
      async (m) => {
        const root = await tempRepo();
        const studio = await launchStudio(root);
        await trpc<Task>(studio, 'tasks.create', { title: 'innocent' });
        writeFileSync(
          path.join(root, STUDIO, 'tasks', 'deep-task.json'),
          validTask('deep', `,"notes":${'['.repeat(10_000)}${']'.repeat(10_000)}`),
        );
        await sleep(800);
        const statuses = {
          'tasks.list': await requestStatus(studio, 'tasks.list', undefined, 'query'),
          'tasks.get': await requestStatus(studio, 'tasks.get', { id: 'deep-task' }, 'query'),
          'tasks.update': await requestStatus(studio, 'tasks.update', { id: 'deep-task', title: 'x' }, 'mutation'),
        };
        m.figure('statuses', JSON.stringify(statuses));
        await studio.stop();
        expect(Object.values(statuses).filter((s) => s >= 500 || s === 0)).toEqual([]);
      },
    );
  }, 60_000);

  it('regression: a named pipe named like a task file does not hang the watcher, shutdown or start-up', async () => {
    await measure('Malformed files', 'regression: tasks/<id>.json that is a named pipe (FIFO)', async (m) => {
      const root = await tempRepo();
      const studio = await launchStudio(root);
      const fifo = path.join(root, STUDIO, 'tasks', 'fifo-task.json');
      execFileSync('mkfifo', [fifo]);
      await sleep(800);
      const problems: string[] = [];
      const created = await requestStatus(studio, 'tasks.create', { title: 'after the pipe' }, 'mutation');
      if (created !== 200) problems.push(`tasks.create -> ${created}`);
      const exit = await studio.stop(10_000);
      if (exit.signal !== null) problems.push('SIGTERM did not stop it within 10 s (a read of the pipe never ends)');
      const again = spawnStudio(root, [], 'none');
      const started = await Promise.race([
        new Promise<boolean>((resolve) => {
          const timer = setInterval(() => {
            if (/ready at/.test(again.output())) {
              clearInterval(timer);
              resolve(true);
            }
          }, 50);
          void again.exited.then(() => {
            clearInterval(timer);
            resolve(false);
          });
        }),
        sleep(20_000).then(() => false),
      ]);
      if (!started) problems.push(`a restart did not come up within 20 s: ${again.output().slice(-200)}`);
      await again.kill9();
      // Release any reader still blocked on the pipe, then remove it.
      if (existsSync(fifo) && !statSync(fifo).isFile()) {
        try {
          closeSync(openSync(fifo, 'r+'));
        } catch {}
        rmSync(fifo, { force: true });
      }
      m.runs = 1;
      m.figure('problems', problems.length);
      expect(problems).toEqual([]);
    });
  }, 90_000);

  it('regression: creating a task after tasks/ was deleted or replaced by a file answers 200 or 4xx, not 500', async () => {
    await measure(
      'Malformed files',
      'regression: tasks/ folder deleted (e.g. a checkout) or replaced by a file, then tasks.create',
      async (m) => {
        const root = await tempRepo();
        const studio = await launchStudio(root);
        const tasksDir = path.join(root, STUDIO, 'tasks');
        const statuses: Record<string, number> = {};
        rmSync(tasksDir, { recursive: true, force: true });
        await sleep(400);
        statuses['tasks/ deleted'] = await requestStatus(studio, 'tasks.create', { title: 'after the folder went' }, 'mutation');
        rmSync(tasksDir, { recursive: true, force: true });
        writeFileSync(tasksDir, 'not a folder\n');
        await sleep(400);
        statuses['tasks/ is a file'] = await requestStatus(studio, 'tasks.create', { title: 'where to?' }, 'mutation');
        m.runs = 2;
        m.figure('tasks.create', JSON.stringify(statuses));
        await studio.stop();
        expect(Object.entries(statuses).filter(([, status]) => status >= 500 || status === 0)).toEqual([]);
      },
    );
  }, 60_000);
});
