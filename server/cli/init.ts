import path from 'node:path';
import { installMergeDriver } from '../git/merge-driver-config.js';
import { openRepo } from '../git/repo.js';
import { initWorkspace } from '../store/workspace.js';

export async function runInit(dir: string): Promise<number> {
  const repo = await openRepo(path.resolve(dir));
  const branch = (await repo.currentBranch()) ?? 'main';
  const { created, paths, gitattributes } = await initWorkspace(repo.root, branch);
  const driver = await installMergeDriver(repo.root);
  if (created.length > 0)
    process.stdout.write(
      `Created ${created.join(', ')} in ${repo.root} (base branch: ${branch}). Commit .opencode-studio/ with your code.\n`,
    );
  else if (!gitattributes && !driver)
    process.stdout.write(`${paths.relative(paths.dir)}/ is already set up in ${repo.root}; nothing changed\n`);
  if (gitattributes || driver) process.stdout.write(`${MERGE_DRIVER_NOTE}\n`);
  return 0;
}

/** Said by init when it sets the driver up, and once in every start's output. */
export const MERGE_DRIVER_NOTE =
  'Git merges task files field by field (.opencode-studio/.gitattributes + merge.opencode-studio in .git/config): only a real clash conflicts, and the board resolves it.';
