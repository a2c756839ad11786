import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gitAt } from './repo.js';

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
  const git = gitAt(root);
  const get = (key: string) =>
    git
      .raw(['config', '--local', '--get', key])
      .then((v) => v.trim())
      .catch(() => null);
  let changed = false;
  for (const [key, value] of [
    [`merge.${MERGE_DRIVER}.name`, DRIVER_NAME],
    [`merge.${MERGE_DRIVER}.driver`, command],
  ] as const) {
    if ((await get(key)) === value) continue;
    await git.raw(['config', '--local', key, value]);
    changed = true;
  }
  return changed;
}
