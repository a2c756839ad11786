import { existsSync, readdirSync, statSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const SCREENSHOTS = path.join(ROOT, 'test-results/screenshots');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/** The browser tests drive the built board; `npm test` builds it first. A build older than its sources would test old code. */
export function assertClientBuilt(): void {
  const index = path.join(ROOT, 'dist/client/index.html');
  if (!existsSync(index))
    throw new Error(
      'dist/client/index.html is missing: run "npm run build:client" (npm test builds it) before the browser tests',
    );
  if (newestSource(path.join(ROOT, 'client')) > statSync(index).mtimeMs)
    throw new Error('dist/client is older than client/: run "npm run build:client" before the browser tests');
}

export async function launchBrowser(): Promise<Browser> {
  assertClientBuilt();
  if (!existsSync(CHROMIUM))
    throw new Error(`no Chromium at ${CHROMIUM}: install Debian's "chromium" (.ci/run does) or set CHROMIUM_PATH`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export type BoardPage = {
  page: Page;
  context: BrowserContext;
  /** Console errors and uncaught exceptions, except those matching `allow`. */
  errors(): string[];
  /** Browser messages a test provokes on purpose, e.g. Chrome's log line for a refused (412) request. */
  allow(pattern: RegExp): void;
};

/** A fresh page on the board with the token link, collecting console errors and uncaught exceptions. */
export async function openBoard(
  browser: Browser,
  studio: { openUrl: string },
  options: {
    path?: string;
    width?: number;
    height?: number;
    colorScheme?: 'light' | 'dark';
    beforeLoad?: (page: Page) => Promise<void>;
  } = {},
): Promise<BoardPage> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1280, height: options.height ?? 800 },
    colorScheme: options.colorScheme ?? 'light',
    deviceScaleFactor: 1,
  });
  const page = await context.newPage();
  const errors: string[] = [];
  const allowed: RegExp[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  await options.beforeLoad?.(page);
  const url = new URL(studio.openUrl);
  if (options.path) url.pathname = options.path;
  await page.goto(url.toString());
  await page.getByTestId('board').waitFor();
  return {
    page,
    context,
    errors: () => errors.filter((e) => !allowed.some((a) => a.test(e))),
    allow: (pattern) => allowed.push(pattern),
  };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await fs.mkdir(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/** Drag with real pointer events, in steps, as a person would. */
export async function dragCard(page: Page, from: { x: number; y: number }, to: { x: number; y: number }): Promise<void> {
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(from.x + 8, from.y + 8, { steps: 2 });
  await page.mouse.move(to.x, to.y, { steps: 12 });
  await page.mouse.up();
}

/** A card by its title: its accessible name is the title, then what it is doing (", Review, needs you"). */
export function cardNamed(scope: Page | Locator, title: string): Locator {
  const escaped = title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return scope.getByRole('article', { name: new RegExp(`^${escaped}(, |$)`) });
}
