import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { TRPCClientError } from '@trpc/client';
import { afterAll, describe, expect, it } from 'vitest';
import { phaseOf } from '../../server/demo/demo-script.js';
import type { Responder } from '../../server/demo/scripted-model.js';
import { startScriptedModel } from '../../server/demo/scripted-model.js';
import type { Task } from '../../shared/task.js';
import { fastDemoResponder, startAgentStudio, stopModels } from '../helpers/agent-studio.js';
import { stopStudios } from '../helpers/studio.js';
import { git, removeTempDirs, tempDir, tempRepo } from '../helpers/temp-repo.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { HttpStatusError, trpc } from './lib/http.js';
import { measure } from './lib/results.js';
import { isAlive, killGroups, killStudios, launchStudio, opencodeChildren, ROOT } from './lib/studio-process.js';
import { STUDIO } from './lib/tree.js';

afterAll(async () => {
  await stopStudios();
  await stopModels();
  await killStudios();
  await removeTempDirs();
});

type Client = Awaited<ReturnType<typeof startAgentStudio>>['client'];

/** Every answer the studio gave during a scenario: a 5xx is never a clear state. */
type Outcome = { ok: boolean; status: number; message: string };
const answers: Array<Outcome & { what: string }> = [];
async function call(what: string, promise: Promise<unknown>): Promise<Outcome> {
  try {
    await promise;
    answers.push({ what, ok: true, status: 200, message: '' });
    return { ok: true, status: 200, message: '' };
  } catch (err) {
    const status =
      err instanceof TRPCClientError ? Number(err.data?.httpStatus ?? 0) : err instanceof HttpStatusError ? err.status : 0;
    const outcome = { ok: false, status, message: (err as Error).message };
    answers.push({ what, ...outcome });
    return outcome;
  }
}
const serverErrors = () =>
  answers.filter((a) => a.status >= 500 || a.status === 0).map((a) => `${a.what}: ${a.status} ${a.message}`);

async function taskWhere(
  client: Client,
  id: string,
  what: string,
  check: (t: Task) => boolean,
  timeoutMs = 180_000,
): Promise<Task> {
  let last: Task | null = null;
  return waitFor(
    async () => {
      last = (await client.tasks.get.query({ id })).task;
      return check(last) ? last : null;
    },
    `${id}: ${what}`,
    timeoutMs,
  ).catch((err: Error) => {
    throw new Error(`${err.message}; last seen: ${JSON.stringify(last)}`);
  });
}

const idle = (status: Task['status']) => (t: Task) => t.status === status && !t.run;
/** A clear state: idle in a column, or a failed/aborted/interrupted run whose error says what to do. */
const clear = (t: Task) =>
  !t.run || (['failed', 'aborted', 'interrupted'].includes(t.run.state) && (t.error ?? '').trim().length > 10);
const worktreeOf = (root: string, id: string) => path.join(`${root}.worktrees`, id);
const isAncestor = (root: string, commit: string, of: string) => {
  try {
    git(root, 'merge-base', '--is-ancestor', commit, of);
    return true;
  } catch {
    return false;
  }
};

/** The demo script with planning answered by `planning` (an error, an empty plan, a pause). */
function withPlanning(planning: (call: number) => ReturnType<Responder>): Responder {
  let calls = 0;
  return async (req) => {
    if (!req.isTitleRequest && phaseOf(req).phase === 'planning') return planning(++calls);
    return fastDemoResponder(req);
  };
}

describe('agent faults (real opencode, scripted model): each ends in a clear state with a way forward, the work intact', () => {
  it('model errors: a refusal and an empty plan fail the phase with a readable reason; retry finishes it', async () => {
    await measure('Agent faults', 'model errors: HTTP 400, then an empty plan; retry after each', async (m) => {
      const { client } = await startAgentStudio({
        responder: withPlanning((n) =>
          n === 1
            ? { error: { status: 400, message: 'quota exceeded for this key' } }
            : n === 2
              ? { text: '   ' }
              : { text: '## Plan\n1. ok' },
        ),
      });
      const task = await client.tasks.create.mutate({ title: 'Model trouble' });
      const t0 = Date.now();
      await call('start', client.tasks.start.mutate({ id: task.id }));
      const first = await taskWhere(client, task.id, 'failed (400)', (t) => t.run?.state === 'failed');
      const toFirst = Date.now() - t0;
      await call('retry 1', client.tasks.retry.mutate({ id: task.id }));
      const second = await taskWhere(
        client,
        task.id,
        'failed (empty plan)',
        (t) => t.run?.state === 'failed' && t.error !== first.error,
      );
      await call('retry 2', client.tasks.retry.mutate({ id: task.id }));
      const planned = await taskWhere(client, task.id, 'plan_review', idle('plan_review'));
      m.runs = 3;
      m.figure('seconds to the first failure', Math.round(toFirst / 1000));
      m.figure('errors shown', `${first.error?.slice(0, 60)} | ${second.error?.slice(0, 60)}`);
      expect(first).toMatchObject({ status: 'planning', run: { state: 'failed', phase: 'planning' } });
      expect(first.error).toMatch(/quota exceeded/);
      expect(second.error).toMatch(/empty plan.*retry/);
      expect(planned.error).toBeNull();
      expect(serverErrors()).toEqual([]);
    });
  }, 300_000);

  it('OpenCode killed mid-phase: the task fails with a message, OpenCode comes back, retry finishes it', async () => {
    await measure('Agent faults', 'OpenCode killed (-9) during planning', async (m) => {
      const { client, root, model } = await startAgentStudio({
        responder: withPlanning((n) => ({ text: '## Plan\nok', delayMs: n === 1 ? 120_000 : 0 })),
      });
      const task = await client.tasks.create.mutate({ title: 'OpenCode dies' });
      await call('start', client.tasks.start.mutate({ id: task.id }));
      await waitFor(() => model.requests.some((r) => phaseOf(r).phase === 'planning'), 'the planning request', 120_000);
      const pid = Number(readFileSync(path.join(root, STUDIO, 'runtime', 'opencode.pid'), 'utf8'));
      const t0 = Date.now();
      process.kill(-pid, 'SIGKILL');
      const failed = await taskWhere(client, task.id, 'failed', (t) => t.run?.state === 'failed', 120_000);
      const toFailed = Date.now() - t0;
      await waitFor(async () => (await client.project.info.query()).opencode.state === 'ready', 'OpenCode back', 120_000);
      const toReady = Date.now() - t0;
      await call('retry', client.tasks.retry.mutate({ id: task.id }));
      await taskWhere(client, task.id, 'plan_review', idle('plan_review'));
      m.runs = 1;
      m.figure(
        'seconds to the failed state / to OpenCode ready again',
        `${Math.round(toFailed / 1000)} / ${Math.round(toReady / 1000)}`,
      );
      m.figure('error', failed.error?.slice(0, 100) ?? '');
      expect(failed.error).toMatch(/OpenCode.*retry/i);
      expect(clear(failed)).toBe(true);
      expect(serverErrors()).toEqual([]);
    });
  }, 400_000);

  it('regression: after OpenCode restarts on its own, runtime/opencode.pid names the new process', async () => {
    await measure('Agent faults', 'regression: runtime/opencode.pid after OpenCode restarted itself', async (m) => {
      const { client, root } = await startAgentStudio();
      const pidFile = path.join(root, STUDIO, 'runtime', 'opencode.pid');
      await waitFor(async () => (await client.project.info.query()).opencode.state === 'ready', 'OpenCode ready', 120_000);
      const first = Number(readFileSync(pidFile, 'utf8'));
      process.kill(-first, 'SIGKILL');
      await waitFor(async () => (await client.project.info.query()).opencode.state !== 'ready', 'OpenCode gone', 30_000);
      await waitFor(async () => (await client.project.info.query()).opencode.state === 'ready', 'OpenCode back', 120_000);
      const second = Number(readFileSync(pidFile, 'utf8'));
      const named = isAlive(second) && readFileSync(`/proc/${second}/cmdline`, 'utf8').includes('opencode');
      m.figure('pid file before/after', `${first}/${second}`);
      m.figure('names a running OpenCode', named);
      // Without it, a kill -9 of the studio now leaves that OpenCode running for good.
      expect(second, 'the pid file still names the OpenCode that died').not.toBe(first);
      expect(named).toBe(true);
    });
  }, 300_000);

  it('the studio killed (-9) mid-implementation: after a restart the task is interrupted, the agent edits survive, retry finishes it', async () => {
    await measure('Agent faults', 'studio killed (-9) during implementation, restarted', async (m) => {
      let hang = true;
      const model = await startScriptedModel(async (req) => {
        const p = phaseOf(req);
        // Implementation writes its file, then hangs on the next turn while the studio is killed.
        if (!req.isTitleRequest && p.phase === 'implementation' && req.toolResults.length > 0 && hang)
          return { text: 'done', delayMs: 120_000 };
        return fastDemoResponder(req);
      });
      const root = await tempRepo();
      const home = path.join(await tempDir('studio-opencode-'), 'home');
      const command = () => [path.join(ROOT, 'test/reliability/fixtures/agent-studio-process.ts'), root, model.baseUrl, home];
      try {
        let studio = await launchStudio(root, { command: command(), timeoutMs: 60_000 });
        await trpc(studio, 'config.update', { requirePlanApproval: false });
        const task = await trpc<Task>(studio, 'tasks.create', { title: 'Killed while building' });
        await trpc(studio, 'tasks.start', { id: task.id });
        const notes = path.join(worktreeOf(root, task.id), 'notes', `${task.id}.md`);
        await waitFor(
          () =>
            existsSync(notes) && model.requests.some((r) => phaseOf(r).phase === 'implementation' && r.toolResults.length > 0),
          'the agent to write its file and start its next turn',
          180_000,
        );
        const written = readFileSync(notes, 'utf8');
        const servers = opencodeChildren(studio.pid);
        await studio.kill9();
        hang = false;
        const t0 = Date.now();
        studio = await launchStudio(root, { command: command(), timeoutMs: 60_000 });
        const get = async () => (await trpc<{ task: Task }>(studio, 'tasks.get', { id: task.id }, 'query')).task;
        const interrupted = await waitFor(
          async () => {
            const t = await get();
            return t.run?.state === 'interrupted' ? t : null;
          },
          'interrupted',
          60_000,
        );
        const toInterrupted = Date.now() - t0;
        const survived = existsSync(notes) && readFileSync(notes, 'utf8') === written;
        await sleep(1_000);
        const orphans = servers.filter(isAlive);
        killGroups(orphans);
        await call('retry', trpc(studio, 'tasks.retry', { id: task.id }));
        const done = await waitFor(
          async () => {
            const t = await get();
            return t.status === 'review' && !t.run ? t : null;
          },
          'review',
          240_000,
        );
        const onBranch = git(root, 'show', `studio/${task.id}:notes/${task.id}.md`);
        m.runs = 1;
        m.figure('seconds from restart to interrupted', Math.round(toInterrupted / 1000));
        m.figure('agent edits in the worktree survived', survived);
        m.figure('OpenCode of the killed studio stopped by the restart', orphans.length === 0);
        m.figure('error', interrupted.error?.slice(0, 90) ?? '');
        await studio.stop();
        expect(interrupted).toMatchObject({ status: 'in_progress', run: { phase: 'implementation', state: 'interrupted' } });
        expect(interrupted.error).toMatch(/retry/);
        expect(survived).toBe(true);
        expect(orphans).toEqual([]);
        expect(done.error).toBeNull();
        expect(onBranch).toContain(task.title);
        expect(serverErrors()).toEqual([]);
      } finally {
        await model.close();
      }
    });
  }, 600_000);

  describe('after the agent finished: faults a person causes in git', () => {
    const shared = {} as { client: Client; root: string; ids: Record<'conflict' | 'worktree' | 'branch', string> };

    it('three tasks reach Review (setup)', async () => {
      const { client, root } = await startAgentStudio();
      await client.config.update.mutate({ requirePlanApproval: false, maxParallel: 3 });
      const ids = {} as typeof shared.ids;
      for (const key of ['conflict', 'worktree', 'branch'] as const) {
        const t = await client.tasks.create.mutate({ title: `Fault ${key}` });
        ids[key] = t.id;
        await client.tasks.start.mutate({ id: t.id });
      }
      for (const id of Object.values(ids)) await taskWhere(client, id, 'review', idle('review'), 400_000);
      // The person's own uncommitted work in the main checkout, which no fault may touch.
      writeFileSync(path.join(root, 'my-notes.txt'), 'uncommitted work of the person\n');
      Object.assign(shared, { client, root, ids });
    }, 600_000);

    it('a merge conflict: the merge is refused naming the file, nothing changes; after the person resolves it, the merge works', async () => {
      await measure('Agent faults', 'merge conflict with a commit on main; resolved, merged', async (m) => {
        const { client, root, ids } = shared;
        expect(client, 'needs the setup test').toBeDefined();
        const id = ids.conflict;
        mkdirSync(path.join(root, 'notes'), { recursive: true });
        writeFileSync(path.join(root, 'notes', `${id}.md`), 'written on main meanwhile\n');
        git(root, 'add', 'notes');
        git(root, 'commit', '-q', '-m', 'my conflicting change');
        const head = git(root, 'rev-parse', 'HEAD');
        const refused = await call('merge', client.tasks.merge.mutate({ id }));
        const after = (await client.tasks.get.query({ id })).task;
        const untouched = git(root, 'rev-parse', 'HEAD') === head && !existsSync(path.join(root, '.git', 'MERGE_HEAD'));
        // The way forward: the person drops their version, then merges.
        git(root, 'rm', '-q', `notes/${id}.md`);
        git(root, 'commit', '-q', '-m', 'make way for the task');
        const merged = await call('merge again', client.tasks.merge.mutate({ id }));
        const final = (await client.tasks.get.query({ id })).task;
        m.runs = 2;
        m.figure('first merge', `${refused.status}: ${refused.message.slice(0, 80)}`);
        m.figure('final status', final.status);
        expect(refused.status).toBe(412);
        expect(refused.message).toContain(`notes/${id}.md`);
        expect(untouched).toBe(true);
        expect(after).toMatchObject({ status: 'review' });
        expect(clear(after)).toBe(true);
        expect(merged.ok).toBe(true);
        expect(final.status).toBe('done');
        expect(git(root, 'log', '--format=%s')).toContain('my conflicting change');
        expect(readFileSync(path.join(root, 'my-notes.txt'), 'utf8')).toBe('uncommitted work of the person\n');
        expect(serverErrors()).toEqual([]);
      });
    }, 120_000);

    it('a worktree deleted behind the studio: the diff still shows, a change request recreates it from the branch, the merge works', async () => {
      await measure('Agent faults', 'worktree folder deleted; request changes; merge', async (m) => {
        const { client, root, ids } = shared;
        expect(client, 'needs the setup test').toBeDefined();
        const id = ids.worktree;
        const before = git(root, 'rev-parse', `studio/${id}`);
        rmSync(worktreeOf(root, id), { recursive: true, force: true });
        const diff = await call('diff', client.tasks.diff.query({ id }));
        const change = await call('requestChanges', client.tasks.requestChanges.mutate({ id, feedback: 'add a line' }));
        const settled = await taskWhere(
          client,
          id,
          'review or a clear failure',
          (t) => idle('review')(t) || (!!t.run && t.run.state === 'failed'),
        );
        let final = settled;
        if (settled.run?.state === 'failed') {
          await call('retry', client.tasks.retry.mutate({ id }));
          final = await taskWhere(client, id, 'review after retry', (t) => idle('review')(t) || t.run?.state === 'failed');
        }
        const kept = isAncestor(root, before, `studio/${id}`);
        const merged = final.status === 'review' ? await call('merge', client.tasks.merge.mutate({ id })) : null;
        m.runs = 1;
        m.figure('diff / request changes', `${diff.status} / ${change.status}`);
        m.figure('after the change request', settled.run ? `failed: ${settled.error?.slice(0, 80)}` : 'review');
        m.figure('merged', merged?.ok ?? false);
        expect(diff.ok).toBe(true);
        expect(change.ok).toBe(true);
        expect(clear(settled)).toBe(true);
        expect(final.status, `ended as ${JSON.stringify(final)}`).toBe('review');
        expect(kept, 'the earlier commits of the branch are still on it').toBe(true);
        expect(merged?.ok).toBe(true);
        expect(existsSync(path.join(root, 'notes', `${id}.md`))).toBe(true);
        expect(serverErrors()).toEqual([]);
      });
    }, 400_000);

    it('a branch renamed behind the studio: diff and merge refuse naming the branch; renamed back, the merge works', async () => {
      await measure('Agent faults', 'task branch renamed; diff/merge refused; renamed back; merged', async (m) => {
        const { client, root, ids } = shared;
        expect(client, 'needs the setup test').toBeDefined();
        const id = ids.branch;
        const branch = `studio/${id}`;
        const sha = git(root, 'rev-parse', branch);
        git(root, 'branch', '-m', branch, `${branch}-renamed`);
        const diff = await call('diff', client.tasks.diff.query({ id }));
        const merge = await call('merge', client.tasks.merge.mutate({ id }));
        const after = (await client.tasks.get.query({ id })).task;
        git(root, 'branch', '-m', `${branch}-renamed`, branch);
        const merged = await call('merge again', client.tasks.merge.mutate({ id }));
        const final = (await client.tasks.get.query({ id })).task;
        m.runs = 2;
        m.figure('diff', `${diff.status}: ${diff.message.slice(0, 70)}`);
        m.figure('merge', `${merge.status}: ${merge.message.slice(0, 70)}`);
        expect(diff.status).toBe(412);
        expect(diff.message).toContain(branch);
        expect(merge.status).toBe(412);
        expect(merge.message).toContain(branch);
        expect(after.status).toBe('review');
        expect(clear(after)).toBe(true);
        expect(merged.ok).toBe(true);
        expect(final.status).toBe('done');
        expect(isAncestor(root, sha, 'HEAD')).toBe(true);
        expect(readFileSync(path.join(root, 'my-notes.txt'), 'utf8')).toBe('uncommitted work of the person\n');
        expect(serverErrors()).toEqual([]);
      });
    }, 120_000);
  });
});
