import fs from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import type { TaskStatus } from '../../shared/task.js';
import { startStudio } from '../helpers/studio.js';
import { git, tempRepo } from '../helpers/temp-repo.js';
import { openBoard, ROOT } from './browser.js';
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

/** Opens the board on a studio with `count` tasks and measures the first render and a scroll of the longest column. */
export async function measureBoard(browser: Browser, count = 2_000): Promise<BoardFigures> {
  const root = await repoWithTasks(count);
  const { studio } = await startStudio({ root });
  const board = await openBoard(browser, studio);
  try {
    const { page } = board;
    // A function, not a string: the board's CSP forbids eval, which a string predicate needs once it polls.
    await page.waitForFunction(() => performance.getEntriesByName('studio:painted').length > 0);
    const timing = await page.evaluate<{ data: number; painted: number }>(LOAD_TIMING);
    const cardsInDom = await page.locator('[data-task-id]').count();
    return {
      tasks: count,
      renderMs: timing.painted - timing.data,
      loadMs: timing.painted,
      cardsInDom,
      ...(await scrollFigures(page, '[data-column="todo"] [data-list]', 90)),
    };
  } finally {
    await board.context.close();
    await studio.close();
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

type Figure = { what: string; value: string; budget: string; verdict: 'PASS' | 'MISS' | 'info' };
const ms = (n: number) => `${Math.round(n)} ms`;
const verdict = (pass: boolean | null): Figure['verdict'] => (pass === null ? 'info' : pass ? 'PASS' : 'MISS');

/**
 * The board's figures for `npm run bench` (bench/board.ts): bundle size, 2,000 tasks, a
 * 5,000-line diff. Shaped like a bench Measurement's result.
 */
export async function runBoardBench(log: (line: string) => void = () => {}) {
  const { launchBrowser } = await import('./browser.js');
  const size = await bundleSize();
  const browser = await launchBrowser();
  try {
    log('2,000 tasks');
    const board = await measureBoard(browser, 2_000);
    log('5,000-line diff');
    const diff = await measureDiff(browser, 5_000);
    const figures: Figure[] = [
      {
        what: 'board JavaScript, gzipped',
        value: `${(size.gzipBytes / 1024).toFixed(1)} KB (${(size.rawBytes / 1024).toFixed(0)} KB raw)`,
        budget: `< ${BUDGETS.bundleGzipKb} KB`,
        verdict: verdict(size.gzipBytes < BUDGETS.bundleGzipKb * 1024),
      },
      {
        what: '2,000 tasks: data in to board painted (headless Chromium)',
        value: ms(board.renderMs),
        budget: `< ${BUDGETS.renderMs} ms`,
        verdict: verdict(board.renderMs < BUDGETS.renderMs),
      },
      { what: '2,000 tasks: navigation to board painted', value: ms(board.loadMs), budget: '—', verdict: 'info' },
      {
        what: '2,000 tasks: scrolling the longest column',
        value: `p95 frame ${ms(board.scrollP95Ms)}, ${board.scrollLongFrames} of ${board.scrollFrames} frames over 34 ms; ${board.cardsInDom} cards in the DOM`,
        budget: 'smooth',
        verdict: verdict(board.scrollLongFrames <= board.scrollFrames * 0.1),
      },
      {
        what: '5,000-line diff: Changes tab click to painted',
        value: `${ms(diff.renderMs)}; ${diff.rowsInDom} rows in the DOM`,
        budget: 'fast',
        verdict: 'info',
      },
      {
        what: '5,000-line diff: scrolling',
        value: `p95 frame ${ms(diff.scrollP95Ms)}, ${diff.scrollLongFrames} of ${diff.scrollFrames} frames over 34 ms`,
        budget: '—',
        verdict: 'info',
      },
    ];
    return {
      figures,
      notes: [
        'Columns and the diff are windowed: only cards and diff rows near the visible area exist in the DOM, so the cost of a render does not grow with the column length.',
        'Chromium runs headless with --disable-gpu (software raster), which is slower than a desktop browser.',
      ],
      details: [],
    };
  } finally {
    await browser.close();
  }
}
