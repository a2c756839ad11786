import { mkdtempSync } from 'node:fs';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { GIT_LOCK_WAIT_MS } from '../../server/git/git-lock.js';
import { REQUIRED_ROUTES } from '../../server/opencode/server-compat.js';
import { reasonOf } from '../helpers/failure.js';
import { FakeAgent, fakeAgentStudio } from '../helpers/fake-agent.js';
import { holdOpen, killGitFaultProcesses, killGroup, studioMidCommit } from '../helpers/git-faults.js';
import { startStudio, stopStudios } from '../helpers/studio.js';
import { git, removeTempDirs, tempRepo } from '../helpers/temp-repo.js';
import { waitFor } from '../helpers/wait.js';
import { measure } from './lib/results.js';
import { killStudios, launchStudio, spawnStudio } from './lib/studio-process.js';

afterEach(async () => {
  killGitFaultProcesses();
  await stopStudios();
  await killStudios();
});
afterAll(removeTempDirs);

/** A studio with a scripted agent (no model: the fault here is git's), and a way to bring tasks to Review. */
async function reviewStudio() {
  const studio = await startStudio({ agent: fakeAgentStudio(new FakeAgent()) });
  const { client } = studio;
  const settled = (id: string, status: string) =>
    waitFor(async () => {
      const { task } = await client.tasks.get.query({ id });
      return task.status === status && !task.run ? task : null;
    }, `${id} to settle in ${status}`);
  const inReview = async (title: string) => {
    const task = await client.tasks.create.mutate({ title });
    await client.tasks.start.mutate({ id: task.id });
    await settled(task.id, 'plan_review');
    await client.tasks.approvePlan.mutate({ id: task.id });
    return settled(task.id, 'review');
  };
  return { ...studio, inReview };
}

describe('faults of the world: git locks and the OpenCode server', () => {
  it("a merge while another process holds git's index.lock waits for it, fails naming it past the bound, and goes through once it is gone", async () => {
    await measure('World faults', "merge while another process holds git's index.lock", async (m) => {
      const { client, root, inReview } = await reviewStudio();
      const lock = path.join(root, '.git/index.lock');
      const first = await inReview('Say hello');
      const second = await inReview('Say hello again');

      // Held for a moment (an editor's quick commit): the merge waits and goes through.
      const brief = await holdOpen(lock);
      setTimeout(() => {
        brief.kill('SIGKILL');
        void fs.rm(lock, { force: true });
      }, 1_500);
      const t0 = Date.now();
      await client.tasks.merge.mutate({ id: first.id });
      m.figure('held 1.5 s: the merge', `waited, then went through (${Date.now() - t0} ms)`);

      // Held for good: after the bound, a refusal naming the lock and the process holding it.
      const base = git(root, 'rev-parse', 'main');
      const branch = git(root, 'rev-parse', `studio/${second.id}`);
      const holder = await holdOpen(lock);
      const t1 = Date.now();
      const err = (await client.tasks.merge.mutate({ id: second.id }).catch((e: unknown) => e)) as Error;
      const waited = Date.now() - t1;
      expect(await reasonOf(Promise.reject(err))).toBe('git-locked');
      expect(err?.message).toContain(lock);
      expect(err?.message).toContain(`process ${holder.pid}`);
      expect(waited).toBeGreaterThanOrEqual(GIT_LOCK_WAIT_MS - 1_000);
      m.figure('held for good: the answer', `412 git-locked after ${(waited / 1000).toFixed(1)} s`);
      m.figure('what the person read', (err?.message ?? '').replace(root, '<repo>').slice(0, 200));
      // Nothing lost: the base and the branch as they were, the task still in Review.
      expect(git(root, 'rev-parse', 'main')).toBe(base);
      expect(git(root, 'rev-parse', `studio/${second.id}`)).toBe(branch);
      expect((await client.tasks.get.query({ id: second.id })).task.status).toBe('review');
      m.figure('lost', 'nothing (base, branch and task unchanged)');

      // The lock goes: the same merge goes through.
      holder.kill('SIGKILL');
      await fs.rm(lock, { force: true });
      const t2 = Date.now();
      await client.tasks.merge.mutate({ id: second.id });
      expect(git(root, 'merge-base', '--is-ancestor', branch, 'main')).toBe('');
      m.figure('recovery once the lock is gone (merge answered)', `${Date.now() - t2} ms`);
    });
  });

  it('a studio killed -9 together with its git mid-commit: the next start removes the lock it left and works', async () => {
    await measure('World faults', 'kill -9 of the studio and its git mid-commit, then a new start', async (m) => {
      const root = await tempRepo();
      const stateHome = mkdtempSync(path.join(os.tmpdir(), 'studio-state-'));
      await killGroup(await studioMidCommit(root, stateHome), root);
      const lock = path.join(root, '.git/index.lock');
      expect(await fs.stat(lock).then(() => true)).toBe(true);
      m.figure('left by the kill', '.git/index.lock');
      const t0 = Date.now();
      const studio = await launchStudio(root, { env: { XDG_STATE_HOME: stateHome } });
      m.figure('next start: ready in', `${Date.now() - t0} ms`);
      expect(studio.output()).toContain(`Removed ${lock}`);
      await expect(fs.stat(lock)).rejects.toThrow(/ENOENT/);
      // git works again in that repository.
      await fs.appendFile(path.join(root, 'README.md'), 'after the crash\n');
      git(root, 'commit', '-qam', 'after the crash');
      m.figure(
        'what the person read',
        studio
          .output()
          .split('\n')
          .find((l) => l.startsWith('Removed'))
          ?.replace(root, '<repo>') ?? '',
      );
      m.figure('lost', 'nothing: the commit in flight had not happened; its change is still in the checkout');
    });
  });

  it('a server that claims OpenCode 2.0.0 is refused at start, naming the version found and the range supported', async () => {
    await measure('World faults', '--opencode-url of a server claiming OpenCode 2.0.0', async (m) => {
      const server = http.createServer((req, res) => {
        const json = (body: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
        if (req.url === '/global/health') return json({ healthy: true, version: '2.0.0' });
        if (req.url === '/doc')
          return json({
            openapi: '3.1.0',
            paths: Object.fromEntries(REQUIRED_ROUTES.map(([method, route]) => [route, { [method]: {} }])),
          });
        res.writeHead(404).end();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        const root = await tempRepo();
        const t0 = Date.now();
        const run = spawnStudio(root, ['--opencode-url', url], 'managed');
        const exit = await run.exited;
        expect(exit.code).toBe(1);
        expect(run.output()).toMatch(/OpenCode 2\.0\.0 at .* is not supported; the studio supports OpenCode >=1\.18\.0 <2\.0\.0/);
        expect(run.output()).not.toMatch(/ready at/);
        m.figure('refused after', `${Date.now() - t0} ms, before "ready"`);
        m.figure(
          'what the person read',
          run
            .output()
            .split('\n')
            .find((l) => l.includes('not supported'))
            ?.slice(0, 160) ?? '',
        );
        m.figure('lost', 'nothing: no file was written');
      } finally {
        server.close();
      }
    });
  });
});
