import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gitJournal } from './git-journal.js';

const run = promisify(execFile);

/** The name `.opencode-studio/.gitattributes` routes task files to. */
export const MERGE_DRIVER = 'opencode-studio';
const DRIVER_NAME = 'OpenCode Studio: task files merge field by field';

/** The built CLI: beside this file once built; from source (tsx, vitest) the built copy of this checkout. */
export function studioCliPath(): string {
  const built = fileURLToPath(new URL('../cli/main.js', import.meta.url));
  if (existsSync(built)) return built;
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/server/cli/main.js');
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** Git runs this through a shell: absolute, quoted paths, so neither PATH nor spaces matter. */
export function mergeDriverCommand(node = process.execPath, cli = studioCliPath()): string {
  return `${shellQuote(node)} ${shellQuote(cli)} merge-driver %O %A %B %P`;
}

/**
 * Point `merge.opencode-studio.driver` in the repo's own config (.git/config, never committed) at
 * this CLI. Returns whether anything changed.
 */
export async function installMergeDriver(root: string, command = mergeDriverCommand()): Promise<boolean> {
  // Plain git, not simple-git: simple-git refuses to set any merge driver (it guards against untrusted input; this value is ours).
  const git = (args: string[]) => gitJournal.step(root, () => run('git', args, { cwd: root })).then((r) => r.stdout);
  // One read of both keys (a start-up usually finds them set): "key value" per line.
  const current = await git(['config', '--local', '--get-regexp', `^merge\\.${MERGE_DRIVER}\\.`]).catch(() => '');
  const has = (key: string, value: string) => current.split('\n').includes(`${key} ${value}`);
  let changed = false;
  for (const [key, value] of [
    [`merge.${MERGE_DRIVER}.name`, DRIVER_NAME],
    [`merge.${MERGE_DRIVER}.driver`, command],
  ] as const) {
    if (has(key, value)) continue;
    await git(['config', '--local', key, value]);
    changed = true;
  }
  return changed;
}
