import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { phaseOf } from '../../server/demo/demo-script.js';
import type { StudioEvent } from '../../shared/events.js';
import type { Task } from '../../shared/task.js';
import { fastDemoResponder, startAgentStudio, stopModels } from '../helpers/agent-studio.js';
import { reasonOf } from '../helpers/failure.js';
import { stopStudios } from '../helpers/studio.js';
import { git, removeTempDirs } from '../helpers/temp-repo.js';
import { waitFor } from '../helpers/wait.js';

type Started = Awaited<ReturnType<typeof startAgentStudio>>;

/**
 * One studio (and so one `opencode serve`) for the file; each test works on its own task. The
 * conflicts phase of the tasks in `leavesMarkers` answers without resolving anything; every
 * other request gets the demo script.
 */
const leavesMarkers = new Set<string>();
let s: Started;

beforeAll(async () => {
  s = await startAgentStudio({
    responder: async (req) =>
      !req.isTitleRequest && phaseOf(req).phase === 'conflicts' && leavesMarkers.has(phaseOf(req).taskId)
        ? { text: 'I looked at it.' }
        : fastDemoResponder(req),
  });
  // The board's own files stay out of the way of the merges below.
  git(s.root, 'add', '-A');
  git(s.root, 'commit', '-q', '-m', 'the board');
});

afterAll(async () => {
  await stopStudios();
  await stopModels();
  if (s) await fs.rm(`${s.root}.worktrees`, { recursive: true, force: true });
  await removeTempDirs();
});

function taskWhere(id: string, what: string, check: (t: Task) => boolean, ok = false): Promise<Task> {
  return waitFor(
    async () => {
      const { task } = await s.client.tasks.get.query({ id });
      if (check(task)) return task;
      if (task.run?.state === 'failed' && !ok) throw new Error(`failed instead: ${task.error}`);
      return null;
    },
    `${id}: ${what}`,
    120_000,
  );
}

/** A task taken to Review by the demo script: its branch adds notes/<id>.md. `markers`: its conflicts phase resolves nothing. */
async function inReview(title: string, markers = false): Promise<{ task: Task; wt: string }> {
  const task = await s.client.tasks.create.mutate({ title });
  if (markers) leavesMarkers.add(task.id);
  await s.client.tasks.start.mutate({ id: task.id });
  await taskWhere(task.id, 'plan review', (t) => t.status === 'plan_review' && !t.run);
  await s.client.tasks.approvePlan.mutate({ id: task.id });
  await taskWhere(task.id, 'review', (t) => t.status === 'review' && !t.run);
  return { task, wt: `${s.root}.worktrees/${task.id}` };
}

async function commitOnMain(root: string, file: string, content: string): Promise<string> {
  await fs.mkdir(path.dirname(path.join(root, file)), { recursive: true });
  await fs.writeFile(path.join(root, file), content);
  git(root, 'add', file);
  git(root, 'commit', '-q', '-m', `main changes ${file}`);
  return git(root, 'rev-parse', 'main');
}

describe('Update from base', { timeout: 300_000 }, () => {
  it('without a conflict: a merge commit on the task branch, an event, a new diff; the task stays in Review', async () => {
    const { task } = await inReview('Notes without a conflict');
    const mainTip = await commitOnMain(s.root, 'CHANGELOG.md', '# Changes\n');
    const before = git(s.root, 'rev-parse', `studio/${task.id}`);
    const events: StudioEvent[] = [];
    const off = s.studio.services.bus.on((e) => events.push(e));
    onTestFinished(off);

    const updated = await s.client.tasks.updateBranch.mutate({ id: task.id });
    expect(updated.status).toBe('review');
    expect(updated.run).toBeNull();
    const head = git(s.root, 'rev-parse', `studio/${task.id}`);
    expect(git(s.root, 'log', '-1', '--format=%P', head).split(' ')).toEqual([before, mainTip]);
    expect(events.some((e) => e.type === 'branch.updated' && e.taskId === task.id && e.head === head)).toBe(true);
    const diff = await s.client.tasks.diff.query({ id: task.id });
    expect(diff.head).toBe(head);
    expect(diff.base).toBe(mainTip);
    expect(diff.files.map((f) => f.path)).toEqual([`notes/${task.id}.md`]);
    // Nothing changed on the base.
    expect(git(s.root, 'rev-parse', 'main')).toBe(mainTip);
    const again = await s.client.tasks.updateBranch.mutate({ id: task.id });
    expect(git(s.root, 'rev-parse', `studio/${task.id}`)).toBe(head);
    expect(again.status).toBe('review');
    // A base branch that does not exist is named, and nothing changes.
    await s.client.config.update.mutate({ baseBranch: 'no-such-branch' });
    try {
      expect(await reasonOf(s.client.tasks.updateBranch.mutate({ id: task.id }))).toBe('no-branch');
      expect(git(s.root, 'rev-parse', `studio/${task.id}`)).toBe(head);
    } finally {
      await s.client.config.update.mutate({ baseBranch: 'main' });
    }
  });

  it('with a conflict the scripted model resolves: the conflicts phase, then AI review again, then a clean merge', async () => {
    const { task, wt } = await inReview('Notes the model resolves');
    const file = `notes/${task.id}.md`;
    await commitOnMain(s.root, file, '# Written on main meanwhile\n');
    await expect(s.client.tasks.merge.mutate({ id: task.id })).rejects.toThrow(/Update from main/);

    const queued = await s.client.tasks.updateBranch.mutate({ id: task.id });
    expect(queued.status).toBe('in_progress');
    expect(queued.run?.phase).toBe('conflicts');
    const reviewed = await taskWhere(task.id, 'back in review', (t) => t.status === 'review' && !t.run);
    expect(reviewed.verdict).toBe('approved');
    const prompt = s.model.requests.find((r) => phaseOf(r).phase === 'conflicts' && phaseOf(r).taskId === task.id);
    expect(prompt?.userText).toContain(`- ${file}`);
    const content = await fs.readFile(path.join(wt, file), 'utf8');
    expect(content).not.toMatch(/^(<{7}|={7}|>{7})/m);
    expect(content).toContain('# Written on main meanwhile');
    // The resolution was reviewed again after it.
    const phases = (await s.client.tasks.activity.query({ id: task.id })).flatMap((e) =>
      e.kind === 'phase' && e.state === 'started' && !e.message ? [e.phase] : [],
    );
    expect(phases.slice(phases.indexOf('conflicts'), phases.indexOf('conflicts') + 2)).toEqual(['conflicts', 'review']);
    expect(phases.lastIndexOf('review')).toBeGreaterThan(phases.indexOf('conflicts'));
    const done = await s.client.tasks.merge.mutate({ id: task.id });
    expect(done.status).toBe('done');
    expect(await fs.readFile(path.join(s.root, file), 'utf8')).toContain('# Written on main meanwhile');
  });

  it('a resolution that leaves markers: the worktree back at the branch tip, the base untouched, the files named', async () => {
    const { task, wt } = await inReview('Notes left with markers', true);
    const file = `notes/${task.id}.md`;
    const mainTip = await commitOnMain(s.root, file, '# Written on main meanwhile\n');
    const tip = git(s.root, 'rev-parse', `studio/${task.id}`);

    await s.client.tasks.updateBranch.mutate({ id: task.id });
    const failed = await taskWhere(task.id, 'failed', (t) => t.run?.state === 'failed', true);
    expect(failed.run?.phase).toBe('conflicts');
    expect(failed.error).toContain(file);
    expect(failed.error).toMatch(/conflict markers/);
    expect(git(s.root, 'rev-parse', `studio/${task.id}`)).toBe(tip);
    expect(git(s.root, 'rev-parse', 'main')).toBe(mainTip);
    expect(git(wt, 'status', '--porcelain', '--untracked-files=no')).toBe('');
    await expect(fs.access(path.join(s.root, '.git', 'worktrees', task.id, 'MERGE_HEAD'))).rejects.toThrow();
    expect(await fs.readFile(path.join(wt, file), 'utf8')).not.toContain('<<<<<<<');
  });
});
