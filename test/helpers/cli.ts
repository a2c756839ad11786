import { type ChildProcess, spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { isolatedOpencodeEnv } from '../../server/opencode/server-process.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
/** OpenCode started by the CLI under test gets its own home, never the developer's config. */
const OPENCODE_ENV = isolatedOpencodeEnv(path.join(os.tmpdir(), 'studio-test-cli-opencode'));
const MAIN = path.join(ROOT, 'server/cli/main.ts');
/**
 * The CLI from source as one process (`node --import tsx`): a signal sent to it reaches the studio
 * itself. The `tsx` wrapper relays signals through a child of its own, and on a busy machine its
 * relay could kill the studio before it shut down (exit 143 instead of 0).
 */
export const FROM_SOURCE = [
  process.execPath,
  '--import',
  pathToFileURL(path.join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href,
  MAIN,
];
/** The CLI as users run it (`npm run build` first): tests of the `task` and `mcp` commands use it. */
export const BUILT_CLI = path.join(ROOT, 'dist/server/cli/main.js');

export type CliRun = { code: number | null; stdout: string; stderr: string };

/** Run the CLI from source to completion. */
export function runCli(
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; timeoutMs?: number; built?: boolean; input?: string } = {},
): Promise<CliRun> {
  const [cmd, ...pre] = options.built ? [process.execPath, BUILT_CLI] : FROM_SOURCE;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd!, [...pre, ...args], {
      cwd: options.cwd ?? ROOT,
      env: { ...process.env, ...OPENCODE_ENV, ...options.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    // What a person types at a prompt; without it, stdin closes at once (as with `< /dev/null`).
    child.stdin.end(options.input ?? '');
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Start the CLI and resolve once it prints a line matching `ready`. */
export function startCli(
  args: string[],
  ready: RegExp,
  options: { cwd?: string; env?: Record<string, string>; command?: string[] } = {},
) {
  const [cmd, ...pre] = options.command ?? FROM_SOURCE;
  const child: ChildProcess = spawn(cmd!, [...pre, ...args], {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, ...OPENCODE_ENV, ...options.env },
  });
  let stdout = '';
  let stderr = '';
  const done = new Promise<CliRun>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  const started = new Promise<RegExpMatchArray>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`CLI did not print ${ready} in time.\nstdout: ${stdout}\nstderr: ${stderr}`)),
      60_000,
    );
    child.stdout!.on('data', (c) => {
      stdout += c;
      const match = stdout.match(ready);
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    });
    child.stderr!.on('data', (c) => (stderr += c));
    child.on('close', () => reject(new Error(`CLI exited before ready.\nstdout: ${stdout}\nstderr: ${stderr}`)));
  });
  return { child, started, done, output: () => ({ stdout, stderr }) };
}
