import { existsSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startScriptedModel } from '../../server/demo/scripted-model.js';
import { backgroundPrefix } from '../../server/lib/background.js';
import type { ProjectInfo } from '../../shared/api.js';
import type { Task } from '../../shared/task.js';
import type { DevServerState } from '../../shared/task-env.js';
import { fastDemoResponder } from '../helpers/agent-studio.js';
import { git, removeTempDirs, tempDir, tempRepo } from '../helpers/temp-repo.js';
import { waitFor } from '../helpers/wait.js';
import { trpc } from '../reliability/lib/http.js';
import { isAlive, killGroups, killStudios, launchStudio, opencodeChildren, ROOT } from '../reliability/lib/studio-process.js';

const leftovers: number[] = [];
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  await killStudios();
  killGroups(leftovers);
  for (const clean of cleanups) await clean();
  await removeTempDirs();
});

const SERVER = `require('node:http').createServer((q, r) => r.end('up')).listen(Number(process.env.PORT), '127.0.0.1');\n`;

describe('a studio killed with -9 while a dev server and a refill run', { timeout: 300_000 }, () => {
  it('the next start reaps both, removes the half-made slot and never hands it to a task', async () => {
    const model = await startScriptedModel(fastDemoResponder);
    const root = await tempRepo();
    cleanups.push(
      () => model.close(),
      () => fs.rm(`${root}.worktrees`, { recursive: true, force: true }),
    );
    const marks = await tempDir('studio-crash-marks-');
    const home = path.join(await tempDir('studio-opencode-'), 'home');
    await fs.writeFile(path.join(root, 'server.cjs'), SERVER);
    git(root, 'add', '.');
    git(root, 'commit', '-q', '-m', 'a server');
    const command = [
      path.join(ROOT, 'test/reliability/fixtures/agent-studio-process.ts'),
      root,
      model.baseUrl,
      home,
      '--warm-slots',
    ];
    const setupPid = path.join(marks, 'spare-setup.pid');
    {
      let studio = await launchStudio(root, { command, timeoutMs: 60_000 });
      const call = <T>(name: string, input: unknown, kind: 'query' | 'mutation' = 'mutation') =>
        trpc<T>(studio, name, input, kind);
      // A spare's setup (no task named) hangs, so a refill is in flight when the studio dies; a task's setup is quick.
      await call('config.update', {
        worktreeSetup: [`if [ -z "$STUDIO_TASK_ID" ]; then echo $$ > '${setupPid}'; exec sleep 600; fi`],
        devServer: 'node server.cjs',
      });
      const task = await call<Task>('tasks.create', { title: 'Try it in a browser' });
      await call('tasks.start', { id: task.id });
      await waitFor(
        async () => {
          const { task: t } = await call<{ task: Task }>('tasks.get', { id: task.id }, 'query');
          if (t.run?.state === 'failed') throw new Error(t.error ?? 'failed');
          return t.status === 'plan_review' && !t.run;
        },
        'the plan',
        180_000,
      );
      await call('devServer.run', { id: task.id });
      const dev = await waitFor(
        async () => {
          const s = await call<DevServerState>('devServer.get', { id: task.id }, 'query');
          return s.state === 'listening' ? s : null;
        },
        'the dev server to listen',
        30_000,
      );
      const refill = await waitFor(
        () => (existsSync(setupPid) ? Number(readFileSync(setupPid, 'utf8')) : 0),
        'a refill in flight',
        60_000,
      );
      // The refill runs as background work: nice 10, and SCHED_IDLE where chrt is there (fields 19
      // and 41 of /proc/<pid>/stat).
      const stat = readFileSync(`/proc/${refill}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      expect(fields[16]).toBe('10');
      expect(fields[38]).toBe(backgroundPrefix().some((part) => part.endsWith('chrt')) ? '5' : '0');
      const half = (await call<ProjectInfo>('project.info', {}, 'query')).slots;
      expect(half).toEqual([expect.objectContaining({ state: 'setting-up' })]);
      leftovers.push(dev.pid!, refill, ...opencodeChildren(studio.pid));

      await studio.kill9();
      // The precondition: a kill -9 leaves both behind.
      expect(isAlive(dev.pid!)).toBe(true);
      expect(isAlive(refill)).toBe(true);
      await fs.rm(setupPid);

      studio = await launchStudio(root, { command, timeoutMs: 60_000 });
      await waitFor(() => !isAlive(dev.pid!) && !isAlive(refill), 'the leftovers to be reaped', 30_000);
      await waitFor(() => !existsSync(half[0]!.dir), 'the half-made slot to be removed', 30_000);
      const slots = (await call<ProjectInfo>('project.info', {}, 'query')).slots;
      expect(slots.map((s) => s.name)).not.toContain(half[0]!.name);
      expect(slots.every((s) => s.state !== 'ready')).toBe(true);
      expect(git(root, 'worktree', 'list', '--porcelain')).not.toContain(half[0]!.dir);

      // A new task starts cold: no half-made slot is handed to it.
      const next = await call<Task>('tasks.create', { title: 'After the crash' });
      await call('tasks.start', { id: next.id });
      await waitFor(
        async () => {
          const { task: t } = await call<{ task: Task }>('tasks.get', { id: next.id }, 'query');
          if (t.run?.state === 'failed') throw new Error(t.error ?? 'failed');
          return t.status === 'plan_review' && !t.run;
        },
        'the second plan',
        180_000,
      );
      expect(git(`${root}.worktrees/${next.id}`, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe(`studio/${next.id}`);
      // The first task kept its worktree and its port.
      const again = await call<DevServerState>('devServer.run', { id: task.id });
      expect(again.port).toBe(dev.port);
      await call('devServer.stop', { id: task.id });
      await studio.stop();
    }
  });
});
