import fs from 'node:fs/promises';
import path from 'node:path';
import { branchDiff } from '../../server/git/diff.js';
import { openRepo } from '../../server/git/repo.js';
import type { StudioServer, StudioServerOptions } from '../../server/index.js';
import { NoAgent } from '../../server/orchestrator/no-agent.js';
import type { ActivityEntry } from '../../shared/activity.js';
import type { Task, TaskRun } from '../../shared/task.js';
import { git } from '../helpers/temp-repo.js';

/**
 * An agent that runs nothing but answers `diff` from a real git branch and `activity` from a
 * given log: enough to test what the drawer shows without OpenCode. Its other actions refuse.
 */
export function showingAgent(log: Map<string, ActivityEntry[]>): StudioServerOptions['agent'] {
  return async (store) => {
    const repo = await openRepo(store.paths.root);
    return Object.assign(new NoAgent('this test studio only shows work, it runs no agent'), {
      diff: async (id: string) => {
        const task = store.tasks.get(id);
        return branchDiff(repo, { branch: task.branch ?? `studio/${id}`, base: store.config.get().baseBranch });
      },
      activity: async (id: string) => log.get(id) ?? [],
      status: () => ({ state: 'ready' as const, url: 'http://127.0.0.1:4096', reason: null, managed: true, demo: false }),
    });
  };
}

/** Commits `files` (null deletes) on a new branch off the current one, and comes back. */
export async function commitOnBranch(root: string, branch: string, files: Record<string, string | null>): Promise<void> {
  git(root, 'checkout', '-q', '-b', branch);
  for (const [file, text] of Object.entries(files)) {
    const full = path.join(root, file);
    if (text === null) await fs.rm(full);
    else {
      await fs.mkdir(path.dirname(full), { recursive: true });
      await fs.writeFile(full, text);
    }
  }
  git(root, 'add', '-A');
  git(root, 'commit', '-q', '-m', `work on ${branch}`);
  git(root, 'checkout', '-q', '-');
}

const APP_BEFORE = `import { render } from './render.js';

export function start(root: HTMLElement): void {
  render(root, { title: 'Sample' });
}
`;

export const SAMPLE_FILES: Record<string, string> = {
  'src/app.ts': APP_BEFORE,
  'src/legacy-colors.ts': "export const COLORS = ['#fff', '#000'];\n",
  'styles.css': 'body {\n  margin: 0;\n  font-family: system-ui;\n}\n',
};

export const DARK_MODE_CHANGES: Record<string, string | null> = {
  'src/app.ts': `import { render } from './render.js';
import { applyTheme, preferredTheme } from './theme.js';

/** Starts the app with the theme the system asks for. */
export function start(root: HTMLElement): void {
  applyTheme(root, preferredTheme());
  render(root, { title: 'Sample', theme: preferredTheme() });
}
`,
  'src/theme.ts': `export type Theme = 'light' | 'dark';

// Follows the system until the person picks a theme.
export function preferredTheme(): Theme {
  const saved = localStorage.getItem('theme');
  if (saved === 'light' || saved === 'dark') return saved;
  return matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export function applyTheme(root: HTMLElement, theme: Theme): void {
  root.dataset.theme = theme;
  const count = 42;
  console.log(\`theme set to \${theme} after \${count} checks\`);
}
`,
  'src/legacy-colors.ts': null,
  'styles.css':
    'body {\n  margin: 0;\n  font-family: system-ui;\n  background: var(--bg);\n}\n\n[data-theme="dark"] {\n  --bg: #111317;\n}\n',
};

type Seed = Partial<Pick<Task, 'status' | 'labels' | 'iteration' | 'verdict' | 'error' | 'branch' | 'usage'>> & {
  title: string;
  description?: string;
  run?: Partial<TaskRun> & Pick<TaskRun, 'phase' | 'state'>;
};

/** A board in mid-flight, for screenshots and for what cards show. */
export const SHOWCASE: Seed[] = [
  { title: 'Add a keyboard shortcut help panel', labels: ['ui'] },
  { title: 'Document the REST API with examples', labels: ['docs'] },
  { title: 'Paginate the audit log endpoint', labels: ['backend'] },
  {
    title: 'Cache the provider list',
    status: 'planning',
    labels: ['backend', 'perf'],
    run: { phase: 'planning', state: 'running', activity: 'reading server/opencode/models.ts' },
    usage: { tokens: 8_400, cost: 0.02, durationMs: 21_000 },
  },
  {
    title: 'Export the board as CSV',
    status: 'plan_review',
    labels: ['feature'],
    usage: { tokens: 12_100, cost: 0.04, durationMs: 34_000 },
  },
  {
    title: 'Add a dark mode toggle to the settings page',
    status: 'in_progress',
    labels: ['ui', 'settings'],
    run: { phase: 'implementation', state: 'running', activity: 'editing src/theme.ts' },
    usage: { tokens: 48_200, cost: 0.31, durationMs: 140_000 },
  },
  {
    title: 'Split the settings page into sections',
    status: 'in_progress',
    labels: ['ui'],
    run: { phase: 'implementation', state: 'queued' },
  },
  {
    title: 'Migrate to the new OpenCode SDK',
    status: 'in_progress',
    labels: ['backend'],
    run: { phase: 'implementation', state: 'failed' },
    error: 'OpenCode stopped answering after 3 attempts; retry to run the implementation again.',
    usage: { tokens: 23_900, cost: 0.12, durationMs: 90_000 },
  },
  {
    title: 'Retry failed webhooks with backoff',
    status: 'ai_review',
    labels: ['backend', 'bug'],
    iteration: 1,
    run: { phase: 'review', state: 'running', activity: 'reading the diff' },
    usage: { tokens: 61_000, cost: 0.44, durationMs: 260_000 },
  },
  {
    title: 'Follow the system theme',
    status: 'review',
    labels: ['ui'],
    iteration: 2,
    verdict: 'approved',
    branch: 'studio/dark-mode',
    usage: { tokens: 96_300, cost: 0.71, durationMs: 412_000 },
    description:
      'Follow `prefers-color-scheme` until a person picks a theme.\n\n- keep the choice in `localStorage`\n- no flash on load',
  },
  {
    title: 'Set up CI for pull requests',
    status: 'done',
    labels: ['ops'],
    usage: { tokens: 30_500, cost: 0.19, durationMs: 150_000 },
  },
];

export async function seedBoard(studio: StudioServer, seeds: Seed[] = SHOWCASE): Promise<Task[]> {
  const store = studio.services.store;
  const made: Task[] = [];
  for (const seed of seeds) {
    const { title, description, labels, run, ...rest } = seed;
    const task = await store.tasks.create({ title, ...(description ? { description } : {}), ...(labels ? { labels } : {}) });
    const full = run ? { sessionId: null, startedAt: new Date().toISOString(), activity: null, feedback: null, ...run } : null;
    made.push(
      Object.keys(rest).length || full ? await store.tasks.patch(task.id, { ...rest, ...(full ? { run: full } : {}) }) : task,
    );
  }
  return made;
}
