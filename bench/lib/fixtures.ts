import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { CONFIG_KEY_ORDER, Config } from '../../shared/config.js';
import { TASK_KEY_ORDER, Task, type TaskStatus } from '../../shared/task.js';
import { rng } from '../../test/helpers/rng.js';

/** One task of the generated backlog, before it is written in either tool's format. */
export interface TaskSpec {
  n: number;
  id: string;
  title: string;
  description: string;
  status: Extract<TaskStatus, 'todo' | 'in_progress' | 'done'>;
  order: number;
  labels: string[];
  createdAt: string;
}

const VERBS = ['Fix', 'Add', 'Refactor', 'Document', 'Speed up', 'Remove', 'Rename', 'Test', 'Split', 'Cache'];
const NOUNS = [
  'login redirect',
  'settings page',
  'export to CSV',
  'search index',
  'billing webhook',
  'user avatar upload',
  'dark mode toggle',
  'rate limiter',
  'audit log',
  'onboarding email',
  'API pagination',
  'image thumbnails',
];
const LABELS = ['frontend', 'backend', 'bug', 'feature', 'docs', 'perf', 'ops'];
const SENTENCES = [
  'The current behaviour surprises users who come back after a while.',
  'Keep the public API unchanged and add tests for the edge cases.',
  'See the discussion in the last planning meeting for the agreed approach.',
  'Measure before and after; the change should not slow down the hot path.',
  'Error messages must say what to do next, not only what went wrong.',
  'The old code path can go once the migration has run everywhere.',
];

/**
 * `count` tasks with realistic titles, 1-3 sentence descriptions, 0-2 labels and statuses spread
 * over the three columns both tools have (todo / in progress / done).
 */
export function generateTasks(count: number, seed = 42): TaskSpec[] {
  const rand = rng(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const orders = { todo: 0, in_progress: 0, done: 0 };
  const base = Date.parse('2026-01-05T09:00:00.000Z');
  const specs: TaskSpec[] = [];
  for (let n = 1; n <= count; n++) {
    const r = rand();
    const status = r < 0.5 ? 'todo' : r < 0.65 ? 'in_progress' : 'done';
    orders[status] += 1;
    const labels = [...new Set(Array.from({ length: Math.floor(rand() * 3) }, () => pick(LABELS)))];
    const suffix = Math.floor(rand() * 36 ** 6)
      .toString(36)
      .padStart(6, '0');
    specs.push({
      n,
      id: `bench-${String(n).padStart(5, '0')}-${suffix}`,
      title: `${pick(VERBS)} ${pick(NOUNS)} ${n}`,
      description: Array.from({ length: 1 + Math.floor(rand() * 3) }, () => pick(SENTENCES)).join(' '),
      status,
      order: orders[status],
      labels,
      createdAt: new Date(base + n * 60_000).toISOString(),
    });
  }
  return specs;
}

function ordered(value: Record<string, unknown>, keys: readonly string[]): string {
  const out: Record<string, unknown> = {};
  for (const key of keys) if (value[key] !== undefined) out[key] = value[key];
  for (const key of Object.keys(value)) if (!(key in out)) out[key] = value[key];
  return `${JSON.stringify(out, null, 2)}\n`;
}

/** The text of `.opencode-studio/tasks/<id>.json` for a spec: validated by the shared schema, keys in the fixed order. */
export function studioTaskText(spec: TaskSpec, overrides: Partial<Task> = {}): string {
  const task = Task.parse({
    id: spec.id,
    title: spec.title,
    description: spec.description,
    status: spec.status,
    order: spec.order,
    labels: spec.labels,
    createdAt: spec.createdAt,
    updatedAt: spec.createdAt,
    ...overrides,
  });
  return ordered(task, TASK_KEY_ORDER);
}

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** A git repository on `main` with a README, its own user, no signing. Commit with `commitAll`. */
export async function makeGitRepo(dir: string): Promise<string> {
  await fs.mkdir(dir, { recursive: true });
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'config', 'user.name', 'Bench');
  git(dir, 'config', 'user.email', 'bench@example.com');
  git(dir, 'config', 'commit.gpgsign', 'false');
  await fs.writeFile(path.join(dir, 'README.md'), '# bench fixture\n');
  return dir;
}

export function commitAll(dir: string, message: string): void {
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', message);
}

/** Write `.opencode-studio/` (config, .gitignore, folders) and one file per spec, as the studio itself would. */
export async function writeStudioWorkspace(repo: string, specs: readonly TaskSpec[]): Promise<void> {
  const dir = path.join(repo, '.opencode-studio');
  for (const sub of ['tasks', 'plans', 'reviews']) await fs.mkdir(path.join(dir, sub), { recursive: true });
  await fs.writeFile(path.join(dir, 'config.json'), ordered(Config.parse({ baseBranch: 'main' }), CONFIG_KEY_ORDER));
  await fs.writeFile(path.join(dir, '.gitignore'), 'runtime/\n');
  for (const sub of ['plans', 'reviews']) await fs.writeFile(path.join(dir, sub, '.gitkeep'), '');
  if (specs.length === 0) await fs.writeFile(path.join(dir, 'tasks', '.gitkeep'), '');
  const batch = 200;
  for (let i = 0; i < specs.length; i += batch) {
    await Promise.all(
      specs.slice(i, i + batch).map((spec) => fs.writeFile(path.join(dir, 'tasks', `${spec.id}.json`), studioTaskText(spec))),
    );
  }
}

/** A committed repo with `count` valid task files: the fixture start-up and API figures run on. */
export async function makeStudioRepo(dir: string, count: number): Promise<{ repo: string; specs: TaskSpec[] }> {
  const repo = await makeGitRepo(dir);
  const specs = generateTasks(count);
  await writeStudioWorkspace(repo, specs);
  commitAll(repo, `${count} tasks`);
  return { repo, specs };
}

export function studioTaskFile(repo: string, id: string): string {
  return path.join(repo, '.opencode-studio', 'tasks', `${id}.json`);
}
