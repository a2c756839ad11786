import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defineConfig } from 'vitest/config';

/**
 * The reliability and security suite (`npm run test:reliability`): real studios as child
 * processes, kill -9, fuzzing, a 5-minute soak (RELIABILITY_SOAK_MS). The files load the
 * machine, so they run one at a time; the figures end up in bench/reliability.md.
 */
export default defineConfig({
  test: {
    // Start-up task caches (server/store/task-cache.ts) of the tests' boards go to a temp folder, not ~/.cache.
    env: {
      XDG_CACHE_HOME: mkdtempSync(path.join(os.tmpdir(), 'studio-test-cache-')),
      // Trust records (server/store/trust-book.ts) of the tests' repos go to a temp folder, not ~/.config.
      XDG_CONFIG_HOME: mkdtempSync(path.join(os.tmpdir(), 'studio-test-config-')),
    },
    include: ['test/reliability/**/*.test.ts'],
    globalSetup: ['test/reliability/lib/global-setup.ts'],
    pool: 'forks',
    fileParallelism: false,
    maxWorkers: 1,
    testTimeout: 20 * 60_000,
    hookTimeout: 5 * 60_000,
    teardownTimeout: 60_000,
  },
});
