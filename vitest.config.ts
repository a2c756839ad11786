import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defineConfig } from 'vitest/config';

/**
 * Four projects, all run by `npm test` (`vitest run`, after `npm run build`):
 * - unit: from source alone, no build, no OpenCode, no browser (real servers, git, files): `npm run test:unit`;
 * - built: runs the built CLI (dist/) as its own process, as users run it, or as git's merge driver (any *.built.test.ts): `npm run test:built`;
 * - e2e: starts the real `opencode serve` (test/e2e, test/opencode, any *.e2e.test.ts): `npm run test:e2e`;
 * - browser: drives headless Chromium (test/browser): `npm run test:browser`.
 * The reliability suite has its own config (vitest.reliability.config.ts).
 */
const BUILT = ['test/**/*.built.test.ts'];
const E2E = ['test/e2e/**/*.test.ts', 'test/opencode/**/*.test.ts', 'test/**/*.e2e.test.ts'];
const BROWSER = ['test/browser/**/*.test.ts'];

export default defineConfig({
  test: {
    // Start-up task caches (server/store/task-cache.ts) of the tests' boards go to a temp folder, not ~/.cache.
    env: {
      XDG_CACHE_HOME: mkdtempSync(path.join(os.tmpdir(), 'studio-test-cache-')),
      // Trust records (server/store/trust-book.ts) of the tests' repos go to a temp folder, not ~/.config.
      XDG_CONFIG_HOME: mkdtempSync(path.join(os.tmpdir(), 'studio-test-config-')),
    },
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/reliability/**', ...BUILT, ...E2E, ...BROWSER],
          // The unit files run one after another in each worker process, sharing its loaded modules:
          // importing the server in a fresh process for each of some 60 files cost a third of the
          // project's time. So a unit test leaves nothing behind that the next file could see (it
          // restores what it changes in process.env, stops what it starts).
          isolate: false,
        },
      },
      { extends: true, test: { name: 'built', include: BUILT, exclude: E2E } },
      { extends: true, test: { name: 'e2e', include: E2E } },
      { extends: true, test: { name: 'browser', include: BROWSER } },
    ],
  },
});
