import path from 'node:path';

/** The opencode-studio checkout. */
export const ROOT = path.resolve(import.meta.dirname, '../..');
/** The built CLI that `npm run build` makes; benchmarks run the product as users get it. */
export const CLI = path.join(ROOT, 'dist/server/cli/main.js');
export const CLIENT_DIST = path.join(ROOT, 'dist/client');
export const RESULTS_FILE = path.join(ROOT, 'bench/results.md');
/** Every measurement's last result, so a subset run keeps the others' sections. */
export const RESULTS_DATA_FILE = path.join(ROOT, 'bench/results.json');
