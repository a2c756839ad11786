import { execFileSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const made: string[] = [];

export async function tempDir(prefix = 'studio-test-'): Promise<string> {
  const dir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), prefix)));
  made.push(dir);
  return dir;
}

/** A real git repository on `main` with one commit (a README), user set in its own config; in `dir` when given. */
export async function tempRepo(options: { commit?: boolean; dir?: string } = {}): Promise<string> {
  const dir = options.dir ?? (await tempDir('studio-repo-'));
  await fs.mkdir(dir, { recursive: true });
  git(dir, 'init', '-q', '-b', 'main');
  setIdentity(dir, 'Test User');
  if (options.commit !== false) {
    await fs.writeFile(path.join(dir, 'README.md'), '# sample\n');
    git(dir, 'add', '.');
    git(dir, 'commit', '-q', '-m', 'initial');
  }
  return dir;
}

/**
 * Who the repository's commits are by, and no signing, in its own `.git/config`: written as
 * `git config` would write them, without three more git processes per test repository (each a
 * fork of the test's process, which blocks it for milliseconds).
 */
export function setIdentity(dir: string, name: string): void {
  appendFileSync(
    path.join(dir, '.git', 'config'),
    `[user]\n\tname = ${name}\n\temail = test@example.com\n[commit]\n\tgpgsign = false\n`,
  );
}

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();
}

export async function removeTempDirs(): Promise<void> {
  await Promise.all(made.splice(0).map((d) => fs.rm(d, { recursive: true, force: true })));
}
