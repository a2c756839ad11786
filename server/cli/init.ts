import path from 'node:path';
import { openRepo } from '../git/repo.js';
import { initWorkspace } from '../store/workspace.js';

export async function runInit(dir: string): Promise<number> {
  const repo = await openRepo(path.resolve(dir));
  const branch = (await repo.currentBranch()) ?? 'main';
  const { created, paths } = await initWorkspace(repo.root, branch);
  if (created.length === 0)
    process.stdout.write(`${paths.relative(paths.dir)}/ is already set up in ${repo.root}; nothing changed\n`);
  else
    process.stdout.write(
      `Created ${created.join(', ')} in ${repo.root} (base branch: ${branch}). Commit .opencode-studio/ with your code.\n`,
    );
  return 0;
}
