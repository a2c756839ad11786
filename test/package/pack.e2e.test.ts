import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStudioClient } from '../../server/script-client.js';
import { startCli } from '../helpers/cli.js';
import { removeTempDirs, tempDir, tempRepo } from '../helpers/temp-repo.js';
import { waitFor } from '../helpers/wait.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const READY = /OpenCode Studio ready at (http:\/\/127\.0\.0\.1:\d+)\/\?token=(\S+)/;
let bin = '';

afterAll(removeTempDirs);

beforeAll(async () => {
  if (!existsSync(path.join(ROOT, 'dist/server/cli/main.js')) || !existsSync(path.join(ROOT, 'dist/client/index.html')))
    throw new Error('dist/ is missing: run "npm run build" first (npm test does)');
  const out = await tempDir('studio-pack-');
  execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', out], { cwd: ROOT, stdio: 'ignore' });
  const tarball = readdirSync(out).find((f) => f.endsWith('.tgz'));
  const prefix = path.join(out, 'prefix');
  execFileSync('npm', ['install', '--prefix', prefix, '--no-audit', '--no-fund', '--loglevel=error', path.join(out, tarball!)], {
    stdio: 'ignore',
  });
  bin = path.join(prefix, 'node_modules/.bin/opencode-studio');
}, 240_000);

describe('the packed package, installed into a fresh prefix', { timeout: 180_000 }, () => {
  it('ships built JavaScript, the built board and the docs README links to, nothing that needs TypeScript or Vite', () => {
    const pkg = path.dirname(path.dirname(bin));
    const installed = path.join(pkg, 'opencode-studio');
    expect(existsSync(path.join(installed, 'dist/client/index.html'))).toBe(true);
    // README's links point into docs/: they work in the installed package too.
    expect(existsSync(path.join(installed, 'docs/config.md'))).toBe(true);
    expect(existsSync(path.join(installed, 'server'))).toBe(false);
    expect(existsSync(path.join(pkg, 'vite'))).toBe(false);
    expect(existsSync(path.join(pkg, 'tsx'))).toBe(false);
    expect(execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('starts on a fresh repo, creates .opencode-studio/ and says so; the board page and health answer', async () => {
    const repo = await tempRepo();
    const cli = startCli([repo, '--no-open', '--port', '0'], READY, { command: [bin], cwd: repo });
    try {
      const [, url, token] = await cli.started;
      expect(cli.output().stdout).toMatch(/Created \.opencode-studio\/ in /);
      expect(existsSync(path.join(repo, '.opencode-studio/config.json'))).toBe(true);
      const page = await fetch(`${url}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/<div id="root">|<script type="module"/);
      const client = createStudioClient({ url: url!, token: token! });
      expect(await client.health.query()).toMatchObject({ ok: true });
      client.close();
    } finally {
      cli.child.kill('SIGTERM');
    }
    expect((await cli.done).code).toBe(0);
  });

  it('task and mcp work from the installed package, on the files alone', async () => {
    const repo = await tempRepo();
    execFileSync(bin, ['init', repo], { stdio: 'ignore' });
    const created = execFileSync(bin, ['task', 'create', 'From the package', '--json'], { cwd: repo, encoding: 'utf8' });
    const { id } = JSON.parse(created) as { id: string };
    expect(execFileSync(bin, ['task', 'list'], { cwd: repo, encoding: 'utf8' })).toMatch(new RegExp(`^${id}\\s+Todo`, 'm'));
    const client = new Client({ name: 'pack-test', version: '1.0.0' });
    await client.connect(new StdioClientTransport({ command: bin, args: ['mcp', repo], stderr: 'pipe' }));
    try {
      expect((await client.listTools()).tools.map((t) => t.name)).toContain('task_create');
      const listed = await client.callTool({ name: 'task_list', arguments: {} });
      expect((listed.structuredContent as { tasks: Array<{ id: string }> }).tasks.map((t) => t.id)).toEqual([id]);
    } finally {
      await client.close();
    }
  });

  it('--demo works from the installed package: a sample task is planned by the scripted model', async () => {
    const cli = startCli(['--demo', '--no-open', '--port', '0'], READY, { command: [bin] });
    try {
      const [, url, token] = await cli.started;
      expect(cli.output().stdout).toMatch(/scripted model/);
      const client = createStudioClient({ url: url!, token: token! });
      expect((await client.project.info.query()).demo).toBe(true);
      const [first] = await client.tasks.list.query({ status: 'todo' });
      expect(first).toBeDefined();
      await waitFor(async () => (await client.project.info.query()).opencode.state === 'ready', 'OpenCode ready', 90_000);
      await client.tasks.start.mutate({ id: first!.id });
      await waitFor(
        async () => (await client.tasks.get.query({ id: first!.id })).task.status === 'plan_review',
        'the demo plan',
        90_000,
      );
      client.close();
    } finally {
      cli.child.kill('SIGTERM');
    }
    expect((await cli.done).code).toBe(0);
  });
});
