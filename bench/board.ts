/**
 * 7. The board: gzipped size of the JavaScript it loads, and the time to render 2,000 tasks in
 * headless Chromium. The studio (built CLI, in its own process) serves the built board from
 * dist/client; the board marks `studio:data` when the task list has arrived and
 * `studio:painted` after the frame that shows it (client/src/state/sync.ts).
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { makeStudioRepo } from './lib/fixtures.js';
import { chromiumPath } from './lib/machine.js';
import { CLIENT_DIST } from './lib/paths.js';
import {
  type BenchContext,
  type Figure,
  figure,
  type Measurement,
  markdownTable,
  SkipError,
  skippedFigure,
} from './lib/report.js';
import { bytes, minMedianMax, ms, summarize } from './lib/stats.js';
import { startStudioProcess } from './lib/studio.js';

const TASKS = 2_000;
const RUNS = 5;
const GZIP_BUDGET_KB = 150;
const RENDER_BUDGET_MS = 500;

/** Every script the board's index.html pulls in, directly or through imports: all .js files Vite emitted. */
async function bundle(): Promise<{ files: string[]; raw: number; gzip: number; css: number; cssGzip: number }> {
  const dir = path.join(CLIENT_DIST, 'assets');
  const names = await fs.readdir(dir);
  let raw = 0;
  let gzip = 0;
  let css = 0;
  let cssGzip = 0;
  const files: string[] = [];
  for (const name of names) {
    const body = await fs.readFile(path.join(dir, name));
    if (name.endsWith('.js')) {
      files.push(name);
      raw += body.length;
      gzip += gzipSync(body, { level: 9 }).length;
    } else if (name.endsWith('.css')) {
      css += body.length;
      cssGzip += gzipSync(body, { level: 9 }).length;
    }
  }
  return { files, raw, gzip, css, cssGzip };
}

interface RenderRun {
  renderMs: number;
  loadMs: number;
  cards: number;
}

export const board: Measurement = {
  id: 'board',
  title: '7. Board',
  timeoutMs: 180_000,
  async run(ctx: BenchContext) {
    if (!existsSync(path.join(CLIENT_DIST, 'index.html')))
      throw new SkipError('dist/client/index.html is missing: the board is not built (npm run build:client)');
    const figures: Figure[] = [];
    const notes: string[] = [];
    const details: string[] = [];

    const size = await bundle();
    figures.push(
      figure(
        'board JavaScript, gzipped (level 9)',
        `${bytes(size.gzip)} (${bytes(size.raw)} raw, ${size.files.length} file${size.files.length === 1 ? '' : 's'}); CSS ${bytes(size.cssGzip)} gz`,
        `< ${GZIP_BUDGET_KB} KB gz`,
        size.gzip < GZIP_BUDGET_KB * 1024,
      ),
    );

    const chromium = chromiumPath();
    if (!chromium) {
      figures.push(
        skippedFigure(
          `render ${TASKS} tasks`,
          'no Chromium (apt-get install chromium, or set CHROMIUM_PATH)',
          `< ${RENDER_BUDGET_MS} ms`,
        ),
      );
      return { figures, notes, details };
    }
    let playwright: typeof import('playwright-core');
    try {
      playwright = await import('playwright-core');
    } catch {
      figures.push(skippedFigure(`render ${TASKS} tasks`, 'playwright-core is not installed', `< ${RENDER_BUDGET_MS} ms`));
      return { figures, notes, details };
    }

    const { repo } = await makeStudioRepo(path.join(ctx.tmp, 'board'), TASKS);
    const studio = await startStudioProcess(repo);
    const browser = await playwright.chromium.launch({
      executablePath: chromium,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update'],
    });
    const runs: RenderRun[] = [];
    try {
      for (let i = 0; i < RUNS + 1; i++) {
        if (ctx.signal.aborted) throw new Error('timed out');
        const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
        try {
          const page = await context.newPage();
          const errors: string[] = [];
          page.on('pageerror', (err) => errors.push(err.message));
          await page.goto(`${studio.url}/?token=${studio.token}`);
          // No named functions inside these callbacks: tsx would wrap them in a helper the page does not have.
          await page.waitForFunction(() => performance.getEntriesByName('studio:painted').length > 0, undefined, {
            timeout: 30_000,
          });
          const marks = await page.evaluate(() => ({
            data: performance.getEntriesByName('studio:data')[0]?.startTime ?? Number.NaN,
            painted: performance.getEntriesByName('studio:painted')[0]?.startTime ?? Number.NaN,
          }));
          const cards = await page.locator('[data-task-id]').count();
          if (errors.length) throw new Error(`the board threw: ${errors[0]}`);
          // The first page load warms the browser's caches and the server's; it is not counted.
          if (i > 0) runs.push({ renderMs: marks.painted - marks.data, loadMs: marks.painted, cards });
        } finally {
          await context.close();
        }
      }
    } finally {
      await browser.close();
      await studio.stop();
    }
    const render = summarize(runs.map((r) => r.renderMs));
    const load = summarize(runs.map((r) => r.loadMs));
    figures.push(
      figure(
        `render ${TASKS.toLocaleString('en-US')} tasks (list arrived -> painted)`,
        minMedianMax(render),
        `< ${RENDER_BUDGET_MS} ms`,
        render.median < RENDER_BUDGET_MS,
      ),
      figure(`open the board with ${TASKS.toLocaleString('en-US')} tasks (navigation -> painted)`, minMedianMax(load), '—', null),
    );
    details.push(
      `Chromium headless at 1280×800; ${RUNS} page loads after one warm-up, each in a fresh browser context. Cards in the DOM after the first paint: ${runs[0]?.cards ?? 'n/a'} of ${TASKS} (the columns are windowed). Scripts: ${size.files.join(', ')}.`,
      markdownTable(
        ['run', 'data -> painted', 'navigation -> painted', 'cards in DOM'],
        runs.map((r, i) => [String(i + 1), ms(r.renderMs), ms(r.loadMs), String(r.cards)]),
      ),
    );
    notes.push(
      `The studio serves the board uncompressed (express.static, no compression middleware): over loopback the browser loads ${bytes(size.raw)} of JavaScript; the gzipped figure is what the budget counts.`,
    );
    return { figures, notes, details };
  },
};
