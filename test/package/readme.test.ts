import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ERROR_REASON_TEXT } from '../../shared/errors.js';
import { startAgentStudio, stopModels } from '../helpers/agent-studio.js';
import { startStudio, stopStudios } from '../helpers/studio.js';
import { removeTempDirs } from '../helpers/temp-repo.js';
import { waitFor } from '../helpers/wait.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
afterEach(stopStudios);
afterAll(stopModels);
afterAll(removeTempDirs);

/** The fenced block that follows a `<!-- marker … -->` line in README.md. */
async function readmeBlock(marker: string, language: string): Promise<string> {
  const readme = await fs.readFile(path.join(ROOT, 'README.md'), 'utf8');
  const match = new RegExp(`<!-- ${marker}[^>]*-->\\s*\`\`\`${language}\\n([\\s\\S]*?)\`\`\``).exec(readme);
  if (!match) throw new Error(`README.md has no ${marker} block`);
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
    await fs.writeFile(file, await readmeBlock('readme-script', 'js'));
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

  it('its curl lines run exactly as printed: list, create, and start with no body and no content type', async () => {
    const { root, client } = await startAgentStudio();
    const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', await readmeBlock('readme-curl', 'sh')], {
      cwd: root,
      timeout: 30_000,
    });
    // curl prints each answer without a newline: the empty Todo list, then the started task.
    expect(stdout.startsWith('[]{')).toBe(true);
    const task = JSON.parse(stdout.slice(2));
    expect(task).toMatchObject({ title: 'Fix the flaky login test', status: 'planning' });
    await waitFor(async () => (await client.tasks.get.query({ id: task.id })).task.status === 'plan_review', 'the plan', 60_000);
  }, 120_000);

  it('lists every error reason with its meaning, as the OpenAPI document does', async () => {
    const readme = await fs.readFile(path.join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### Error reasons'), readme.indexOf('## REST'));
    const rows = [...section.matchAll(/^\| `([a-z-]+)` +\| (.+?) +\|$/gm)].map((m) => [m[1], m[2]]);
    expect(Object.fromEntries(rows)).toEqual(ERROR_REASON_TEXT);
    const { studio } = await startStudio();
    const doc = await (
      await fetch(`${studio.url}/api/openapi.json`, { headers: { authorization: `Bearer ${studio.token}` } })
    ).json();
    const reason = doc.components.schemas.ApiError.properties.reason;
    expect(reason.enum).toEqual(Object.keys(ERROR_REASON_TEXT));
    for (const [code, text] of Object.entries(ERROR_REASON_TEXT)) expect(reason.description).toContain(`\`${code}\`: ${text}`);
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
