import fs from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { NoAgent } from '../../server/orchestrator/no-agent.js';
import type { ActivityEntry } from '../../shared/activity.js';
import type { TaskStatus } from '../../shared/task.js';
import { startStudio } from '../helpers/studio.js';
import { git, tempRepo } from '../helpers/temp-repo.js';
import { openBoard, ROOT } from './browser.js';
import { type DropFigures, timeDrop } from './drop-timing.js';
import { commitOnBranch } from './fixtures.js';

export const BUDGETS = { bundleGzipKb: 150, renderMs: 500 } as const;

/** The gzipped size of every script the board loads (Vite emits them under dist/client/assets). */
export async function bundleSize(): Promise<{ files: number; gzipBytes: number; rawBytes: number }> {
  const dir = path.join(ROOT, 'dist/client/assets');
  const scripts = (await fs.readdir(dir)).filter((f) => f.endsWith('.js'));
  let gzipBytes = 0;
  let rawBytes = 0;
  for (const file of scripts) {
    const body = await fs.readFile(path.join(dir, file));
    rawBytes += body.length;
    gzipBytes += gzipSync(body, { level: 9 }).length;
  }
  return { files: scripts.length, gzipBytes, rawBytes };
}

const STATUSES: TaskStatus[] = [
  'todo',
  'todo',
  'todo',
  'planning',
  'in_progress',
  'in_progress',
  'review',
  'done',
  'done',
  'done',
];
const WORDS = ['Fix', 'Add', 'Refactor', 'Document', 'Speed up', 'Cache', 'Split', 'Test'];
const THINGS = ['login redirect', 'settings page', 'CSV export', 'search index', 'billing webhook', 'rate limiter', 'audit log'];
const LABELS = ['frontend', 'backend', 'bug', 'docs', 'perf'];

/** A repo whose `.opencode-studio/tasks/` holds `count` task files, written directly (the studio loads them at start). */
export async function repoWithTasks(count: number): Promise<string> {
  const root = await tempRepo();
  const dir = path.join(root, '.opencode-studio/tasks');
  await fs.mkdir(dir, { recursive: true });
  const at = new Date('2025-01-01T00:00:00Z').getTime();
  await Promise.all(
    Array.from({ length: count }, (_, n) => {
      const id = `task-${String(n).padStart(5, '0')}`;
      const task = {
        id,
        title: `${WORDS[n % WORDS.length]} the ${THINGS[n % THINGS.length]} (#${n})`,
        description: 'Keep the public API unchanged and add tests for the edge cases.',
        status: STATUSES[n % STATUSES.length],
        order: n,
        labels: n % 3 === 0 ? [LABELS[n % LABELS.length]] : [],
        createdAt: new Date(at + n * 1000).toISOString(),
        updatedAt: new Date(at + n * 1000).toISOString(),
      };
      return fs.writeFile(path.join(dir, `${id}.json`), `${JSON.stringify(task, null, 2)}\n`);
    }),
  );
  return root;
}

// Page scripts are strings: under tsx (the bench runs there) esbuild wraps named functions in a
// `__name` helper that does not exist in the page.
const SCROLL_FRAMES = `(async ({ selector, frames, px }) => {
  const el = document.querySelector(selector);
  const gaps = [];
  let last = performance.now();
  for (let n = 0; n < frames; n++) {
    const now = await new Promise(requestAnimationFrame);
    gaps.push(now - last);
    last = now;
    el.scrollTop += px;
  }
  return gaps.slice(2);
})`;

/** Frame intervals while `selector` is scrolled by `px` each frame. */
/** After a moment to settle, 120 frames of scrolling `px` a frame: p95 frame gap, frames over 34 ms, frames seen. */
async function scrollFigures(page: Page, selector: string, px: number) {
  await page.waitForTimeout(300);
  const gaps = await scrollFrames(page, selector, 120, px);
  return {
    scrollP95Ms: percentile(gaps, 95),
    scrollLongFrames: gaps.filter((g) => g > 34).length,
    scrollFrames: gaps.length,
  };
}

function scrollFrames(page: Page, selector: string, frames: number, px: number): Promise<number[]> {
  return page.evaluate(`${SCROLL_FRAMES}(${JSON.stringify({ selector, frames, px })})`);
}

const LOAD_TIMING = `(() => {
  const at = (name) => performance.getEntriesByName(name)[0].startTime;
  return { data: at('studio:data'), painted: at('studio:painted') };
})()`;

const OPEN_CHANGES = `new Promise((resolve) => {
  const started = performance.now();
  const seen = new MutationObserver(() => {
    if (!document.querySelector('[data-testid="diff"] .dr-add')) return;
    seen.disconnect();
    requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - started)));
  });
  seen.observe(document.body, { childList: true, subtree: true });
  document.querySelector('#tab-changes').click();
})`;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

export type BoardFigures = {
  tasks: number;
  /** From the tasks arriving to the board being painted. */
  renderMs: number;
  /** From navigation start to the board painted: page, scripts, both requests and the render. */
  loadMs: number;
  cardsInDom: number;
  scrollP95Ms: number;
  scrollLongFrames: number;
  scrollFrames: number;
};

type Studio = Awaited<ReturnType<typeof startStudio>>['studio'];

/** A studio with `count` tasks and the board open on it, once its first paint is done; closed after `measure`. */
async function withPaintedBoard<T>(
  browser: Browser,
  count: number,
  measure: (page: Page, studio: Studio) => Promise<T>,
): Promise<T> {
  const root = await repoWithTasks(count);
  const { studio } = await startStudio({ root });
  const board = await openBoard(browser, studio);
  try {
    // A function, not a string: the board's CSP forbids eval, which a string predicate needs once it polls.
    await board.page.waitForFunction(() => performance.getEntriesByName('studio:painted').length > 0);
    return await measure(board.page, studio);
  } finally {
    await board.context.close();
    await studio.close();
  }
}

/** Opens the board on a studio with `count` tasks and measures the first render and a scroll of the longest column. */
export function measureBoard(browser: Browser, count = 2_000): Promise<BoardFigures> {
  return withPaintedBoard(browser, count, async (page) => {
    const timing = await page.evaluate<{ data: number; painted: number }>(LOAD_TIMING);
    const cardsInDom = await page.locator('[data-task-id]').count();
    return {
      tasks: count,
      renderMs: timing.painted - timing.data,
      loadMs: timing.painted,
      cardsInDom,
      ...(await scrollFigures(page, '[data-column="todo"] [data-list]', 90)),
    };
  });
}

export type DropRun = DropFigures & {
  /** Where tasks.list puts the dropped card in its column once the server has answered. */
  serverIndex: number;
};

/** Opens the board on a studio with `count` tasks and drags the second Todo card below the sixth. */
export function measureDrop(browser: Browser, count = 2_000): Promise<DropRun> {
  return withPaintedBoard(browser, count, async (page, studio) => {
    await page.waitForTimeout(300);
    const drop = await timeDrop(page, 'todo', 1, 5);
    const serverIndex = await waitForIndex(() => studio.services.store.tasks.list('todo'), drop.taskId, 5);
    return { ...drop, serverIndex };
  });
}

/** The index of `id` in `list()`, once it is `expected` (or after 10 s, whatever it is then). */
async function waitForIndex(list: () => { id: string }[], id: string, expected: number): Promise<number> {
  const until = Date.now() + 10_000;
  for (;;) {
    const index = list().findIndex((t) => t.id === id);
    if (index === expected || Date.now() > until) return index;
    await new Promise((r) => setTimeout(r, 50));
  }
}

export type DiffFigures = {
  lines: number;
  renderMs: number;
  rowsInDom: number;
  scrollP95Ms: number;
  scrollLongFrames: number;
  scrollFrames: number;
};

/** A task in review whose branch changes `lines` lines; measures the Changes tab from click to painted. */
export async function measureDiff(browser: Browser, lines = 5_000): Promise<DiffFigures> {
  const root = await tempRepo();
  const body = Array.from(
    { length: lines },
    (_, i) => `export const value${i} = computeSomething(${i}, 'label ${i}'); // line ${i}`,
  );
  await commitOnBranch(root, 'studio/big', { 'src/generated.ts': `${body.join('\n')}\n` });
  git(root, 'checkout', '-q', 'main');
  const { studio } = await startStudio({ root, agent: (await import('./fixtures.js')).showingAgent(new Map()) });
  const task = await studio.services.store.tasks.create({ title: 'A big change' });
  await studio.services.store.tasks.patch(task.id, { status: 'review', branch: 'studio/big' });
  const board = await openBoard(browser, studio, { path: `/tasks/${task.id}` });
  try {
    const { page } = board;
    await page.getByRole('tab', { name: 'Changes' }).waitFor();
    const renderMs = await page.evaluate<number>(OPEN_CHANGES);
    const rowsInDom = await page.locator('[data-testid="diff"] .dr').count();
    return { lines, renderMs, rowsInDom, ...(await scrollFigures(page, '[data-testid="diff"]', 200)) };
  } finally {
    await board.context.close();
    await studio.close();
  }
}

export type ActivityFigures = {
  parts: number;
  /** From the click on the Activity tab to the frame after its rows are drawn: the request, the read of the log and the render. */
  openMs: number;
  /** From the click to the last byte of the rows' request (the newest page of them). */
  requestMs: number;
  rowsInDom: number;
  /** Whether the tab opened at its end, with the last row drawn. */
  atEnd: boolean;
  scrollP95Ms: number;
  scrollLongFrames: number;
  scrollFrames: number;
};

/** An hours-long session: `parts` tool calls (running, then completed) with a message every tenth, as the log holds them. */
export function* longSession(parts: number): Generator<ActivityEntry> {
  const at = new Date().toISOString();
  const tool = (i: number, state: 'running' | 'completed'): ActivityEntry => ({
    kind: 'tool',
    at,
    phase: 'implementation',
    partId: `prt_${i}`,
    tool: i % 3 ? 'read' : 'bash',
    title: i % 3 ? `reading src/module-${i}.ts` : `running npm test -- --shard ${i}`,
    state,
    durationMs: state === 'running' ? null : 40 + (i % 900),
  });
  yield { kind: 'phase', at, phase: 'implementation', state: 'started' };
  for (let i = 0; i < parts; i++) {
    yield tool(i, 'running');
    yield tool(i, 'completed');
    if (i % 10 === 9)
      yield { kind: 'text', at, phase: 'implementation', partId: `txt_${i}`, text: `Part ${i}: the **tests** pass.` };
  }
}

const OPEN_ACTIVITY = `new Promise((resolve) => {
  const started = performance.now();
  const seen = new MutationObserver(() => {
    if (!document.querySelector('[data-testid="activity"] .activity-row')) return;
    seen.disconnect();
    requestAnimationFrame(() => setTimeout(() => {
      const request = performance.getEntriesByType('resource').findLast((r) => r.name.includes('tasks.activityRows'));
      resolve({ openMs: performance.now() - started, requestMs: request ? request.responseEnd - started : NaN });
    }));
  });
  seen.observe(document.body, { childList: true, subtree: true });
  document.querySelector('#tab-activity').click();
})`;

/** Opens the Activity tab of a task whose log (the studio's real one, read as the drawer reads it) holds `parts` parts. */
export async function measureActivity(
  browser: Browser,
  parts = 20_000,
  after?: (page: Page) => Promise<void>,
): Promise<ActivityFigures> {
  const { studio } = await startStudio({
    agent: async (store) =>
      Object.assign(new NoAgent('this test studio only shows activity'), {
        activity: (id: string) => store.activity.read(id),
        activityRows: (id: string) => store.activity.rows(id),
      }),
  });
  const task = await studio.services.store.tasks.create({ title: 'Talks for hours' });
  for (const entry of longSession(parts)) studio.services.store.activity.append(task.id, entry);
  await studio.services.store.activity.flush();
  const board = await openBoard(browser, studio, { path: `/tasks/${task.id}` });
  try {
    const { page } = board;
    await page.getByRole('tab', { name: 'Activity' }).waitFor();
    const { openMs, requestMs } = await page.evaluate<{ openMs: number; requestMs: number }>(OPEN_ACTIVITY);
    const rowsInDom = await page.locator('[data-testid="activity"] .activity-row').count();
    // The tab follows the end once the rows near it are measured.
    const atEnd = await page
      .waitForFunction(
        () => {
          const list = document.querySelector('[data-testid="activity"]');
          const last = Number(list?.querySelector<HTMLElement>('.activity-rows')?.dataset.count) - 1;
          if (!list?.querySelector(`.activity-row[data-index="${last}"]`)) return false;
          return list.scrollHeight - list.scrollTop - list.clientHeight < 40;
        },
        undefined,
        { timeout: 10_000 },
      )
      .then(
        () => true,
        () => false,
      );
    const scroll = await scrollFigures(page, '[data-testid="activity"]', -200);
    await after?.(page);
    return {
      parts,
      openMs,
      requestMs,
      rowsInDom,
      atEnd,
      ...scroll,
    };
  } finally {
    await board.context.close();
    await studio.close();
  }
}
