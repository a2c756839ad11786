import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { TaskSpec } from './fixtures.js';
import { freePort } from './http.js';
import { procStatusKb, spawnUntil, stopChild } from './processes.js';
import { SkipError } from './report.js';

const run = promisify(execFile);

/** Backlog.md's three default columns, for the three statuses the generated tasks use. */
const STATUS: Record<TaskSpec['status'], string> = { todo: 'To Do', in_progress: 'In Progress', done: 'Done' };

export interface BacklogInstall {
  binary: string;
  version: string;
}

/**
 * `npm install backlog.md` into `dir`. Its CLI is a compiled binary shipped in a platform
 * package (an optional dependency, e.g. backlog.md-linux-x64); we run that binary directly so
 * that the process we time and measure is the server itself, not the node wrapper.
 */
export async function installBacklog(dir: string, spec = 'backlog.md@latest'): Promise<BacklogInstall> {
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, 'package.json'), '{ "name": "backlog-bench", "private": true }\n');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  try {
    await run(npm, ['install', '--no-audit', '--no-fund', '--loglevel=error', spec], { cwd: dir, timeout: 180_000 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new SkipError(`npm install ${spec} failed: ${(e.stderr || e.message).trim().split('\n').slice(-3).join(' / ')}`);
  }
  const platformPkg = `backlog.md-${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch}`;
  const binary = path.join(dir, 'node_modules', platformPkg, process.platform === 'win32' ? 'backlog.exe' : 'backlog');
  if (!existsSync(binary))
    throw new SkipError(
      `backlog.md installed, but its platform binary (${platformPkg}) is missing: the optional dependency did not install`,
    );
  let version: string;
  try {
    version = (await run(binary, ['--version'], { timeout: 30_000 })).stdout.trim();
  } catch (err) {
    throw new SkipError(`the backlog binary does not run here: ${(err as Error).message.split('\n')[0]}`);
  }
  return { binary, version };
}

/** `backlog init` without questions, git integration on, no AI integration, no browser opening. */
export async function initBacklog(binary: string, repo: string): Promise<void> {
  try {
    await run(
      binary,
      [
        'init',
        'bench',
        '--defaults',
        '--integration-mode',
        'none',
        '--check-branches',
        'false',
        '--include-remote',
        'false',
        '--auto-open-browser',
        'false',
      ],
      { cwd: repo, timeout: 60_000 },
    );
  } catch (err) {
    throw new SkipError(`backlog init failed: ${(err as Error).message.split('\n').slice(0, 2).join(' / ')}`);
  }
  if (!existsSync(path.join(repo, 'backlog', 'config.yml')))
    throw new SkipError('backlog init did not create backlog/config.yml');
}

/** Backlog.md's file name for a task: `task-12 - Fix-login-redirect-12.md`. */
export function backlogFileName(spec: TaskSpec): string {
  const title = spec.title
    .replace(/[<>:"/\\|?*]/g, '-')
    .replace(/['(),!@#$%^&+=[\]{};]/g, '')
    .replace(/\s+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
  return `task-${spec.n} - ${title}.md`;
}

const yamlString = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** A task in Backlog.md's format: YAML frontmatter, then the description in its marked section. */
export function backlogTaskText(spec: TaskSpec, description = spec.description): string {
  const created = spec.createdAt.slice(0, 16).replace('T', ' ');
  const labels = spec.labels.length ? `\n${spec.labels.map((l) => `  - ${l}`).join('\n')}` : ' []';
  return [
    '---',
    `id: TASK-${spec.n}`,
    `title: ${yamlString(spec.title)}`,
    `status: ${STATUS[spec.status]}`,
    'assignee: []',
    `created_date: ${yamlString(created)}`,
    `labels:${labels}`,
    'dependencies: []',
    `ordinal: ${spec.order * 1000}`,
    '---',
    '',
    '## Description',
    '',
    '<!-- SECTION:DESCRIPTION:BEGIN -->',
    description,
    '<!-- SECTION:DESCRIPTION:END -->',
    '',
  ].join('\n');
}

export async function writeBacklogTasks(repo: string, specs: readonly TaskSpec[]): Promise<void> {
  const dir = path.join(repo, 'backlog', 'tasks');
  await fs.mkdir(dir, { recursive: true });
  for (let i = 0; i < specs.length; i += 200) {
    await Promise.all(specs.slice(i, i + 200).map((s) => fs.writeFile(path.join(dir, backlogFileName(s)), backlogTaskText(s))));
  }
}

export interface BacklogServer {
  url: string;
  pid: number;
  /** Spawn to the "running at" line. */
  readyMs: number;
  spawnedAt: number;
  rssKb(): number;
  stop(): Promise<number | null>;
}

/** `backlog browser --port N --no-open` in the repo, resolved when it says where it runs. */
export async function startBacklogBrowser(binary: string, repo: string): Promise<BacklogServer> {
  const port = await freePort();
  const spawnedAt = performance.now();
  const started = await spawnUntil(
    binary,
    ['browser', '--port', String(port), '--no-open'],
    /running at (http:\/\/127\.0\.0\.1:\d+)/,
    { cwd: repo, timeoutMs: 60_000, readStderr: true },
  );
  return {
    url: started.match[1]!,
    pid: started.pid,
    readyMs: started.readyMs,
    spawnedAt,
    rssKb: () => procStatusKb(started.pid, 'VmRSS'),
    stop: () => stopChild(started.child, 5_000),
  };
}
