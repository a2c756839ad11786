import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { setIdentity } from '../helpers/temp-repo.js';

const scratch: string[] = [];
let home = '';
const saved = { HOME: process.env.HOME, XDG_CONFIG_HOME: process.env.XDG_CONFIG_HOME };

/**
 * Registers hooks that point HOME at an empty folder (so a developer's global git config, e.g.
 * commit signing, cannot leak in) and delete every temp repo after each test, or, with
 * `{ concurrent: true }` (a file whose tests run at once), after the file's last test: one test's
 * end must not delete the repos of the tests still running.
 */
export function useTempRepos(options: { concurrent?: boolean } = {}): void {
  const removeScratch = () => {
    for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
  };
  beforeAll(() => {
    home = mkdtempSync(path.join(tmpdir(), 'studio-home-'));
    process.env.HOME = home;
    process.env.XDG_CONFIG_HOME = path.join(home, '.config');
  });
  if (!options.concurrent) afterEach(removeScratch);
  afterAll(() => {
    removeScratch();
    rmSync(home, { recursive: true, force: true });
    restore('HOME');
    restore('XDG_CONFIG_HOME');
  });
}

function restore(key: keyof typeof saved): void {
  const value = saved[key];
  if (value === undefined) delete process.env[key];
  else process.env[key] = value;
}

export function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'studio-git-'));
  scratch.push(dir);
  return dir;
}

function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('GIT_')) env[key] = value;
  return env;
}

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: cleanEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trimEnd();
}

export function write(root: string, files: Record<string, string | Buffer>): void {
  for (const [rel, content] of Object.entries(files)) {
    const file = path.join(root, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
}

export function commit(root: string, message: string, files: Record<string, string | Buffer> = {}): string {
  write(root, files);
  git(root, 'add', '--all');
  git(root, 'commit', '--quiet', '--allow-empty', `--message=${message}`);
  return git(root, 'rev-parse', 'HEAD');
}

/** A repository at `<tmp>/repo` on branch main (so `<tmp>/repo.worktrees` is scratch too); one commit unless `empty`. */
export function makeRepo(o: { empty?: boolean } = {}): string {
  const root = path.join(tempDir(), 'repo');
  mkdirSync(root);
  git(root, 'init', '--quiet', '-b', 'main');
  setIdentity(root, 'Test Person');
  if (!o.empty) {
    // commit() without its rev-parse: nothing here needs the sha, and each git process is a fork of the test's.
    write(root, { 'README.md': '# project\n', 'src/app.ts': 'export const a = 1;\n' });
    git(root, 'add', '--all');
    git(root, 'commit', '--quiet', '--allow-empty', '--message=initial');
  }
  return root;
}
