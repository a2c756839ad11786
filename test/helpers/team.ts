import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { startStudio } from './studio.js';
import { git, tempDir, tempRepo } from './temp-repo.js';

/**
 * A bare origin with one commit (a bare clone of a fresh repo on main), and a helper to clone it
 * as a teammate would.
 */
export async function teamOrigin() {
  const origin = path.join(await tempDir('studio-origin-'), 'origin.git');
  execFileSync('git', ['clone', '-q', '--bare', await tempRepo(), origin]);
  return { origin, clone: (name: string) => cloneOf(origin, name) };
}

/** A teammate's clone, its identity and pull settings in its own `.git/config` (set by the clone: one git process). */
async function cloneOf(origin: string, name: string): Promise<string> {
  const dir = path.join(await tempDir(`studio-${name}-`), name);
  const config = { 'user.name': name, 'user.email': `${name}@example.com`, 'commit.gpgsign': 'false', 'pull.rebase': 'false' };
  execFileSync('git', ['clone', '-q', ...Object.entries(config).flatMap(([k, v]) => ['-c', `${k}=${v}`]), origin, dir]);
  return dir;
}

/** Commit the board and push it. */
export function pushBoard(dir: string, message: string): void {
  git(dir, 'add', '.opencode-studio');
  git(dir, 'commit', '-q', '-m', message);
  git(dir, 'push', '-q', 'origin', 'main');
}

/** `git pull`; a conflicted merge exits non-zero, which is returned rather than thrown. */
export function pull(dir: string, ...args: string[]): { ok: boolean; output: string } {
  try {
    return {
      ok: true,
      output: execFileSync('git', ['pull', '--no-edit', ...args, 'origin', 'main'], {
        cwd: dir,
        encoding: 'utf8',
        stdio: 'pipe',
      }),
    };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

export async function readTaskFile(dir: string, id: string): Promise<string> {
  return fs.readFile(path.join(dir, '.opencode-studio', 'tasks', `${id}.json`), 'utf8');
}

export function unmerged(dir: string): string {
  return git(dir, 'ls-files', '--unmerged');
}

/** Two teammates' clones of one origin, each with a studio (which installs the driver), sharing one task. */
export async function team() {
  const { clone } = await teamOrigin();
  const ana = await startStudio({ root: await clone('ana') });
  const task = await ana.client.tasks.create.mutate({ title: 'Fix login', labels: ['bug', 'ui'] });
  pushBoard(ana.root, 'board: one task');
  const boRoot = await clone('bo');
  const bo = await startStudio({ root: boRoot });
  return { ana, bo, id: task.id, clone };
}

/** Ana and Bo both retitle the task; Bo pulls and gets the clash (the driver exits non-zero). */
export async function sameFieldClash() {
  const t = await team();
  await t.ana.client.tasks.update.mutate({ id: t.id, title: 'Ana’s title' });
  pushBoard(t.ana.root, 'ana: title');
  await t.bo.client.tasks.update.mutate({ id: t.id, title: 'Bo’s title' });
  git(t.bo.root, 'commit', '-q', '-am', 'bo: title');
  const merged = pull(t.bo.root);
  if (merged.ok) throw new Error('expected the pull to conflict');
  return t;
}

/**
 * Carl's clone never ran the studio (no driver in its .git/config): Ana and Carl both retitle the
 * task, Carl pulls, and git's line merge leaves conflict markers in the task file.
 */
export async function markersClash() {
  const t = await team();
  const carl = await t.clone('carl');
  const driverBefore = git(carl, 'config', '--local', '--list').includes('merge.opencode-studio');
  await t.ana.client.tasks.update.mutate({ id: t.id, title: 'Ana’s title' });
  pushBoard(t.ana.root, 'ana: title');
  const file = path.join(carl, '.opencode-studio/tasks', `${t.id}.json`);
  const mine = JSON.parse(await fs.readFile(file, 'utf8'));
  await fs.writeFile(
    file,
    `${JSON.stringify({ ...mine, title: 'Carl’s title', updatedAt: new Date().toISOString() }, null, 2)}\n`,
  );
  git(carl, 'commit', '-q', '-am', 'carl: title');
  const merged = pull(carl);
  if (merged.ok) throw new Error('expected the pull to conflict');
  return { ...t, carl, file, driverBefore };
}
