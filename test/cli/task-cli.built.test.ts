import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StudioClient } from '../../server/script-client.js';
import { initWorkspace } from '../../server/store/workspace.js';
import type { Task } from '../../shared/task.js';
import { runCli } from '../helpers/cli.js';
import { startStudio, stopStudios } from '../helpers/studio.js';
import { git, removeTempDirs, tempDir, tempRepo } from '../helpers/temp-repo.js';
import { waitFor } from '../helpers/wait.js';

afterAll(removeTempDirs);

describe('opencode-studio task --help', () => {
  it('documents every command', async () => {
    const help = await runCli(['task', '--help'], { built: true });
    expect(help.code).toBe(0);
    for (const command of [
      'list',
      'show',
      'create',
      'update',
      'move',
      'delete',
      'start|approve|merge|abort|retry',
      'request-changes',
      'plan',
      'diff',
    ])
      expect(help.stdout).toContain(`task ${command}`);
    expect(help.stdout).toMatch(/--json/);
    const main = await runCli(['--help'], { built: true });
    expect(main.stdout).toMatch(/opencode-studio task <command>/);
    expect(main.stdout).toMatch(/opencode-studio mcp \[dir\]/);
  });

  it('a bad command or argument count is a usage error, exit 1', async () => {
    const repo = await tempRepo();
    for (const args of [
      ['task', 'bogus'],
      ['task', 'show'],
      ['task', 'list', '--force'],
    ]) {
      const run = await runCli(args, { built: true, cwd: repo });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/task --help/);
    }
  });
});

describe.each([
  ['without a studio', false],
  ['with a running studio', true],
] as const)('opencode-studio task, %s', (_, withStudio) => {
  let root: string;
  let client: StudioClient | null = null;
  const task = (...args: string[]) => runCli(['task', ...args], { built: true, cwd: root });

  beforeAll(async () => {
    root = await tempRepo();
    if (withStudio) client = (await startStudio({ root })).client;
    else await initWorkspace(root, 'main');
  });
  afterAll(stopStudios);

  it('create, list and show in plain and JSON form', async () => {
    const created = await task('create', 'Add a --verbose flag', '-d', 'Print each step.', '--label', 'cli', '--label', 'ux');
    expect(created.code).toBe(0);
    const id = /^Created (\S+)\s+Todo\s+Add a --verbose flag$/m.exec(created.stdout)?.[1];
    expect(id).toBeTruthy();
    const onDisk = JSON.parse(await readFile(path.join(root, '.opencode-studio/tasks', `${id}.json`), 'utf8'));
    expect(onDisk).toMatchObject({ title: 'Add a --verbose flag', description: 'Print each step.', labels: ['cli', 'ux'] });
    if (client) expect((await client.tasks.get.query({ id: id! })).task.labels).toEqual(['cli', 'ux']);

    const json = await task('create', 'Second', '--json', '--parent', id!);
    const second = JSON.parse(json.stdout) as Task;
    expect(second).toMatchObject({ title: 'Second', status: 'todo', parent: id, labels: [] });

    const plain = await task('list');
    expect(plain.code).toBe(0);
    const lines = plain.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ID\s+STATUS\s+LABELS\s+TITLE$/);
    expect(lines[1]).toMatch(new RegExp(`^${id}\\s+Todo\\s+cli,ux\\s+Add a --verbose flag$`));
    expect(lines[2]).toContain(`Second (follow-up of ${id})`);

    const listed = JSON.parse((await task('list', '--json', '--label', 'cli')).stdout) as Task[];
    expect(listed.map((t) => t.id)).toEqual([id]);
    if (client) expect(listed).toEqual(await client.tasks.list.query({ label: 'cli' }));
    expect(JSON.parse((await task('list', '--json', '--status', 'review')).stdout)).toEqual([]);

    const shown = await task('show', id!);
    expect(shown.stdout).toMatch(/^status:\s+Todo$/m);
    expect(shown.stdout).toContain('Print each step.');
    const detail = JSON.parse((await task('show', id!, '--json')).stdout);
    expect(detail).toEqual({ task: onDisk, plan: null, review: null, requests: [] });
  });

  it('errors exit 1 with the API message: a refused move, a bad status, an unknown id, an agent action', async () => {
    const { stdout } = await task('create', 'Refuse me', '--json');
    const { id } = JSON.parse(stdout) as Task;
    const refused = await task('move', id, 'done');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe('opencode-studio: cannot move "Refuse me": only a task in Review can be merged to Done\n');
    const badStatus = await task('move', id, 'nowhere');
    expect(badStatus.code).toBe(1);
    expect(badStatus.stderr).toMatch(/status: Invalid option/);
    const unknown = await task('show', 'no-such-task', '--json');
    expect(unknown.code).toBe(1);
    expect(JSON.parse(unknown.stderr)).toEqual({
      error: { message: 'no task "no-such-task"', reason: 'not-found', status: 404 },
    });
    const start = await task('start', id);
    expect(start.code).toBe(1);
    expect(start.stderr).toMatch(withStudio ? /agent is not available/ : /no studio is running for .*start it with/);
    const json = JSON.parse((await task('approve', id, '--json')).stderr);
    expect(json.error.reason).toBe(withStudio ? 'opencode-unavailable' : 'studio-not-running');
  });

  it('plan prints the plan; plan --edit opens $EDITOR on plans/<id>.md', async () => {
    const { id } = JSON.parse((await task('create', 'Edit my plan', '--json')).stdout) as Task;
    expect((await task('plan', id)).stdout).toBe('(no plan yet)\n');
    const editor = path.join(await tempDir(), 'editor.sh');
    await writeFile(editor, '#!/bin/sh\nprintf "# Plan\\n\\nEdited in the editor.\\n" > "$1"\n');
    await chmod(editor, 0o755);
    const edit = await runCli(['task', 'plan', id, '--edit'], { built: true, cwd: root, env: { EDITOR: editor, VISUAL: '' } });
    expect(edit.code).toBe(0);
    const file = path.join(root, '.opencode-studio/plans', `${id}.md`);
    expect(await readFile(file, 'utf8')).toBe('# Plan\n\nEdited in the editor.\n');
    if (client)
      await waitFor(async () => (await client!.tasks.get.query({ id })).plan?.includes('Edited'), 'the studio to see the edit');
    expect((await task('plan', id)).stdout).toBe('# Plan\n\nEdited in the editor.\n');
    expect(JSON.parse((await task('plan', id, '--json')).stdout)).toEqual({ id, plan: '# Plan\n\nEdited in the editor.\n' });
  });
});

describe('opencode-studio task on the files alone', () => {
  it('delete asks for force when the task has a branch, and force needs the studio; activity reads the log file', async () => {
    const root = await tempRepo();
    await initWorkspace(root, 'main');
    const task = (...args: string[]) => runCli(['task', ...args], { built: true, cwd: root });
    const plain = JSON.parse((await task('create', 'Plain', '--json')).stdout) as Task;
    const started = JSON.parse((await task('create', 'Started', '--json')).stdout) as Task;
    git(root, 'branch', `studio/${started.id}`);

    const refused = await task('delete', started.id, '--json');
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stderr).error.reason).toBe('needs-force');
    const forced = await task('delete', started.id, '--force', '--json');
    expect(forced.code).toBe(1);
    expect(JSON.parse(forced.stderr).error.reason).toBe('studio-not-running');
    expect(existsSync(path.join(root, '.opencode-studio/tasks', `${started.id}.json`))).toBe(true);

    const deleted = await task('delete', plain.id);
    expect(deleted).toMatchObject({ code: 0, stdout: 'Deleted.\n' });
    expect(existsSync(path.join(root, '.opencode-studio/tasks', `${plain.id}.json`))).toBe(false);

    const log = path.join(root, '.opencode-studio/runtime/activity', `${started.id}.jsonl`);
    await mkdir(path.dirname(log), { recursive: true });
    const entry = {
      kind: 'tool',
      at: '2026-11-30T06:00:00.000Z',
      phase: 'planning',
      partId: 'p1',
      tool: 'read',
      title: 'reading README.md',
      state: 'completed',
      durationMs: 5,
    };
    await writeFile(log, `${JSON.stringify(entry)}\n`);
    const activity = await task('activity', started.id);
    expect(activity.stdout).toBe('2026-11-30T06:00:00.000Z  planning      read completed: reading README.md\n');
    expect(JSON.parse((await task('activity', started.id, '--json')).stdout)).toEqual([entry]);
    const info = await task('info');
    expect(info.stdout).toMatch(/agent: unavailable \(no studio is running/);
  });
});

describe('opencode-studio task outside a board', () => {
  it('a repo without .opencode-studio/ and a directory outside git: a clear error, exit 1', async () => {
    const repo = await tempRepo();
    const bare = await runCli(['task', 'list'], { built: true, cwd: repo });
    expect(bare.code).toBe(1);
    expect(bare.stderr).toMatch(/has no board yet .*opencode-studio init/);
    const notGit = await runCli(['task', 'list', '--dir', await tempDir()], { built: true });
    expect(notGit.code).toBe(1);
    expect(notGit.stderr).toMatch(/is not a git repository/);
  });
});
