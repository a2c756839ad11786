import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { TRPCClientError } from '@trpc/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TaskStatus } from '../../shared/task.js';
import { useBoardBrowser } from '../browser/board-session.js';
import { assertClientBuilt } from '../browser/browser.js';
import { recordEvents } from '../helpers/bus-recorder.js';
import { FakeAgent, fakeAgentStudio } from '../helpers/fake-agent.js';
import { startStudio, stopStudios } from '../helpers/studio.js';
import { git, removeTempDirs, tempDir, tempRepo } from '../helpers/temp-repo.js';
import { waitFor } from '../helpers/wait.js';
import { fillDisk, mountReadOnly, mountTmpfs, requireRoot, unmount, unmountAll } from './lib/mounts.js';
import { measure } from './lib/results.js';

const SECTION = 'Full disk / read-only / no permission';

beforeAll(requireRoot);
// Registered before the browser's hooks, so it runs after them: studios stop, then the mounts go.
afterEach(async () => {
  await stopStudios();
  unmountAll();
});
afterAll(removeTempDirs);
const board = useBoardBrowser();

type Refusal = { status: number; reason: string; message: string };
async function refusal(call: Promise<unknown>): Promise<Refusal> {
  try {
    await call;
  } catch (err) {
    if (!(err instanceof TRPCClientError)) throw err;
    return { status: Number(err.data?.httpStatus), reason: String(err.data?.reason), message: err.message };
  }
  throw new Error('expected the call to be refused');
}

/** Every file under `dir` with its content: what a fault must leave exactly as it was. */
function tree(dir: string, out = new Map<string, string>()): Map<string, string> {
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) tree(file, out);
    else out.set(file, readFileSync(file, 'utf8'));
  }
  return out;
}

const diffCount = (a: Map<string, string>, b: Map<string, string>) =>
  [...new Set([...a.keys(), ...b.keys()])].filter((k) => a.get(k) !== b.get(k)).length;

/** A studio whose repository lives on a 4 MB tmpfs; `fill()` fills that disk, `free()` makes room again. */
async function studioOnTmpfs() {
  const mount = await tempDir('studio-tmpfs-');
  mountTmpfs(mount, '4m');
  const root = await tempRepo({ dir: path.join(mount, 'repo') });
  const studio = await startStudio({ root });
  const filler = path.join(mount, 'filler');
  return {
    ...studio,
    events: recordEvents(studio.studio.services.bus),
    workspace: path.join(root, '.opencode-studio'),
    fill: () => fillDisk(filler),
    free: () => rmSync(filler),
  };
}

describe('the disk refuses the studio’s writes', () => {
  it('full disk: create, update and plan save answer 412 disk-full naming the path; nothing is lost; the next write after space is freed succeeds', async () => {
    await measure(SECTION, 'full tmpfs: create, update, plan save; then space freed', async (m) => {
      const { client, events, workspace, fill, free } = await studioOnTmpfs();
      const kept = await client.tasks.create.mutate({ title: 'Kept' });
      await client.plans.update.mutate({ id: kept.id, markdown: '# Plan\n\nKeep me.\n' });
      const before = tree(workspace);
      fill();

      const created = await refusal(client.tasks.create.mutate({ title: 'No room' }));
      const updated = await refusal(client.tasks.update.mutate({ id: kept.id, title: 'Renamed' }));
      const planned = await refusal(client.plans.update.mutate({ id: kept.id, markdown: '# Plan\n\nChanged.\n' }));
      m.runs = 3;
      m.figure('user saw', `${created.status} ${created.reason}: ${created.message}`);
      expect(created).toMatchObject({ status: 412, reason: 'disk-full' });
      expect(created.message).toMatch(/\.opencode-studio\/tasks\/no-room-\w+\.json/);
      expect(created.message).toContain('Free some space on the disk holding');
      expect(updated).toMatchObject({ status: 412, reason: 'disk-full' });
      expect(updated.message).toContain(`.opencode-studio/tasks/${kept.id}.json`);
      expect(planned).toMatchObject({ status: 412, reason: 'disk-full' });
      expect(planned.message).toContain(`.opencode-studio/plans/${kept.id}.md`);

      const after = tree(workspace);
      m.figure('files changed or left behind', diffCount(before, after));
      expect(diffCount(before, after)).toBe(0);
      const faults = events.of('storage.fault');
      m.figure('storage.fault events', faults.length);
      expect(faults[0]?.fault).toMatchObject({ reason: 'disk-full' });
      expect((await client.project.info.query()).storage).toMatchObject({ reason: 'disk-full' });

      free();
      const freed = performance.now();
      const again = await client.tasks.create.mutate({ title: 'Room again' });
      m.figure('ms from space freed to the next create answered', Math.round(performance.now() - freed));
      expect(events.of('storage.recovered')).toHaveLength(1);
      expect((await client.project.info.query()).storage).toBeNull();
      await client.tasks.update.mutate({ id: kept.id, title: 'Renamed' });
      await client.plans.update.mutate({ id: kept.id, markdown: '# Plan\n\nChanged.\n' });
      expect((await client.tasks.get.query({ id: again.id })).task.title).toBe('Room again');
      expect((await client.tasks.get.query({ id: kept.id })).plan).toContain('Changed.');
      m.figure('lost', 0);
    });
  });

  it('read-only: .opencode-studio/ remounted read-only answers 412 read-only; writable again, the write succeeds', async () => {
    await measure(SECTION, 'read-only bind mount of .opencode-studio/; then read-write again', async (m) => {
      const { client, studio } = await startStudio();
      const workspace = path.join(studio.root, '.opencode-studio');
      const task = await client.tasks.create.mutate({ title: 'Frozen' });
      const before = tree(workspace);
      mountReadOnly(workspace);
      const updated = await refusal(client.tasks.update.mutate({ id: task.id, title: 'Thawed' }));
      m.figure('user saw', `${updated.status} ${updated.reason}: ${updated.message}`);
      expect(updated).toMatchObject({ status: 412, reason: 'read-only' });
      expect(updated.message).toContain(`.opencode-studio/tasks/${task.id}.json`);
      expect(updated.message).toContain('Remount the file system holding');
      expect((await client.project.info.query()).storage).toMatchObject({ reason: 'read-only' });
      await unmount(workspace);
      expect(diffCount(before, tree(workspace))).toBe(0);
      const writable = performance.now();
      await client.tasks.update.mutate({ id: task.id, title: 'Thawed' });
      m.figure('ms from read-write to the next update answered', Math.round(performance.now() - writable));
      expect((await client.project.info.query()).storage).toBeNull();
      m.figure('lost', 0);
    });
  });

  it('a phase whose commit meets a read-only .git fails with reason read-only; its branch and worktree stay; retry succeeds', async () => {
    await measure(SECTION, 'implementation commit on a read-only .git; retry after', async (m) => {
      const { client, root } = await startStudio({ agent: fakeAgentStudio(new FakeAgent()) });
      const settled = (id: string, test: (s: TaskStatus, state: string | undefined) => boolean) =>
        waitFor(async () => {
          const { task } = await client.tasks.get.query({ id });
          return test(task.status, task.run?.state) ? task : null;
        }, 'the task to settle');
      const task = await client.tasks.create.mutate({ title: 'Commit me' });
      await client.tasks.start.mutate({ id: task.id });
      await settled(task.id, (s, state) => s === 'plan_review' && !state);
      const branch = `studio/${task.id}`;
      const head = git(root, 'rev-parse', branch);
      mountReadOnly(path.join(root, '.git'));
      await client.tasks.approvePlan.mutate({ id: task.id });
      const failed = await settled(task.id, (_s, state) => state === 'failed');
      m.figure('user saw', failed.error ?? '');
      expect(failed.errorReason).toBe('read-only');
      expect(failed.error).toMatch(/implementation failed: git could not write .*Read-only file system/);
      expect(git(root, 'rev-parse', branch)).toBe(head);
      const worktree = git(root, 'worktree', 'list', '--porcelain')
        .split('\n')
        .find((l) => l.startsWith('worktree ') && l.endsWith(task.id))
        ?.slice('worktree '.length);
      expect(await fs.readFile(path.join(worktree!, 'hello.txt'), 'utf8')).toBe('hello\n');
      await unmount(path.join(root, '.git'));
      const writable = performance.now();
      await client.tasks.retry.mutate({ id: task.id });
      await settled(task.id, (s, state) => s === 'review' && !state);
      m.figure('s from read-write + retry to review', Math.round((performance.now() - writable) / 100) / 10);
      expect(git(root, 'rev-parse', branch)).not.toBe(head);
      m.figure('lost', 0);
    });
  });

  it('the board shows the disk-full banner with the reason and what to do, and clears it once a write succeeds', async () => {
    await measure(SECTION, 'board banner (Chromium): shown on a full disk, gone after a write succeeds', async (m) => {
      assertClientBuilt();
      const { studio, client, fill, free } = await studioOnTmpfs();
      const { page } = await board.open(studio);
      fill();
      await refusal(client.tasks.create.mutate({ title: 'No room' }));
      const banner = page.getByTestId('storage-banner');
      await banner.waitFor();
      expect(await banner.getAttribute('data-reason')).toBe('disk-full');
      const text = (await banner.textContent()) ?? '';
      m.figure('banner', text);
      expect(text).toContain('The disk is full.');
      expect(text).toContain('Free some space on the disk holding .opencode-studio/tasks/');
      free();
      await client.tasks.create.mutate({ title: 'Room again' });
      await banner.waitFor({ state: 'detached' });
      m.figure('banner gone after the next write', true);
    });
  });
});
