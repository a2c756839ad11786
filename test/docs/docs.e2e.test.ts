import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ERROR_REASON_STATUS, ERROR_REASON_TEXT } from '../../shared/errors.js';
import { startAgentStudio, stopModels } from '../helpers/agent-studio.js';
import { startStudio, stopStudios } from '../helpers/studio.js';
import { removeTempDirs } from '../helpers/temp-repo.js';
import { waitFor } from '../helpers/wait.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
afterEach(stopStudios);
afterAll(stopModels);
afterAll(removeTempDirs);

/** The fenced block that follows a `<!-- marker … -->` line in a file under docs/. */
async function docBlock(file: string, marker: string, language: string): Promise<string> {
  const text = await fs.readFile(path.join(ROOT, 'docs', file), 'utf8');
  const match = new RegExp(`<!-- ${marker}[^>]*-->\\s*\`\`\`${language}\\n([\\s\\S]*?)\`\`\``).exec(text);
  if (!match) throw new Error(`docs/${file} has no ${marker} block`);
  return match[1]!;
}

describe('the docs and README', () => {
  it('docs/scripts.md: its typed-client script runs against a real studio', async () => {
    if (!existsSync(path.join(ROOT, 'dist/server/script-client.js')))
      throw new Error('dist/ is missing: run "npm run build" first (npm test does)');
    const { root, client } = await startStudio();
    // Inside the package folder, `opencode-studio/client` resolves to this package itself, as for a user who installed it.
    const file = path.join(ROOT, 'test-results', `doc-script-${process.pid}.mjs`);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, await docBlock('scripts.md', 'doc-script', 'js'));
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

  it('docs/rest.md: its curl lines run exactly as printed: list, create, and start with no body and no content type', async () => {
    const { root, client } = await startAgentStudio();
    const { stdout } = await promisify(execFile)(
      'bash',
      ['-euo', 'pipefail', '-c', await docBlock('rest.md', 'doc-curl', 'sh')],
      {
        cwd: root,
        timeout: 30_000,
      },
    );
    // curl prints each answer without a newline: the empty Todo list, then the started task.
    expect(stdout.startsWith('[]{')).toBe(true);
    const task = JSON.parse(stdout.slice(2));
    expect(task).toMatchObject({ title: 'Fix the flaky login test', status: 'planning' });
    await waitFor(async () => (await client.tasks.get.query({ id: task.id })).task.status === 'plan_review', 'the plan', 60_000);
  }, 120_000);

  it('docs/scripts.md lists every error reason with its status and meaning, as the OpenAPI document does', async () => {
    const scripts = await fs.readFile(path.join(ROOT, 'docs/scripts.md'), 'utf8');
    const section = scripts.slice(scripts.indexOf('## Error reasons'));
    const rows = [...section.matchAll(/^\| `([a-z-]+)` +\| (\d+) +\| (.+?) +\|$/gm)];
    expect(Object.fromEntries(rows.map((m) => [m[1], m[3]]))).toEqual(ERROR_REASON_TEXT);
    expect(Object.fromEntries(rows.map((m) => [m[1], Number(m[2])]))).toEqual(ERROR_REASON_STATUS);
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

  it('every file the README, CONTRIBUTING.md and docs/ link to exists', async () => {
    const pages = [
      'README.md',
      'CONTRIBUTING.md',
      ...(await fs.readdir(path.join(ROOT, 'docs'))).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`),
    ];
    for (const page of pages) {
      const text = await fs.readFile(path.join(ROOT, page), 'utf8');
      for (const [, target] of text.matchAll(/\]\(([^)#:]+)(#[^)]*)?\)/g))
        expect(existsSync(path.join(ROOT, path.dirname(page), target!)), `${page} links to ${target}`).toBe(true);
    }
  });
});
