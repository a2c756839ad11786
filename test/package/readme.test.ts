import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startStudio, stopStudios } from '../helpers/studio.js';
import { removeTempDirs } from '../helpers/temp-repo.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
afterEach(stopStudios);
afterAll(removeTempDirs);

/** The fenced block that follows the `readme-script` marker in README.md. */
async function readmeScript(): Promise<string> {
  const readme = await fs.readFile(path.join(ROOT, 'README.md'), 'utf8');
  const match = /<!-- readme-script[^>]*-->\s*```js\n([\s\S]*?)```/.exec(readme);
  if (!match) throw new Error('README.md has no readme-script block');
  return match[1]!;
}

describe('README', () => {
  it('its typed-client script runs against a real studio', async () => {
    if (!existsSync(path.join(ROOT, 'dist/server/script-client.js')))
      throw new Error('dist/ is missing: run "npm run build" first (npm test does)');
    const { root, client } = await startStudio();
    // Inside the package folder, `opencode-studio/client` resolves to this package itself, as for a user who installed it.
    const file = path.join(ROOT, 'test-results', `readme-script-${process.pid}.mjs`);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, await readmeScript());
    try {
      const { stdout } = await promisify(execFile)('node', [file], { cwd: root, timeout: 30_000 });
      const id = /created (\S+)/.exec(stdout)?.[1];
      expect(id).toBeTruthy();
      expect(stdout).toContain('live update, labels: cli');
      expect(stdout).toContain('1 task(s) in Todo');
      expect((await client.tasks.get.query({ id: id! })).task.labels).toEqual(['cli']);
    } finally {
      await fs.rm(file, { force: true });
    }
  });

  it('names the two commands a fresh clone needs, and the screenshot it shows exists', async () => {
    const readme = await fs.readFile(path.join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain('npm ci && npm run demo');
    expect(readme).toContain('npm ci && npm test');
    const ci = await fs.readFile(path.join(ROOT, '.ci/run'), 'utf8');
    expect(ci).toMatch(/^npm ci$/m);
    expect(ci).toMatch(/^npm test$/m);
    expect(ci).toMatch(/^npm run test:reliability$/m);
    for (const image of readme.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g))
      expect(existsSync(path.join(ROOT, image[1]!)), image[1]).toBe(true);
  });
});
