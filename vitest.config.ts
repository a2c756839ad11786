import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Start-up task caches (server/store/task-cache.ts) of the tests' boards go to a temp folder, not ~/.cache.
    env: {
      XDG_CACHE_HOME: mkdtempSync(path.join(os.tmpdir(), 'studio-test-cache-')),
      // Trust records (server/store/trust-book.ts) of the tests' repos go to a temp folder, not ~/.config.
      XDG_CONFIG_HOME: mkdtempSync(path.join(os.tmpdir(), 'studio-test-config-')),
    },
    include: ['test/**/*.test.ts'],
    exclude: ['test/reliability/**'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
  },
});
