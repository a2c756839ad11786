import fs from 'node:fs/promises';
import { Config } from '../../shared/config.js';
import { readTextOrNull, writeFileAtomic } from './atomic-file.js';
import { serializeConfig } from './config-file.js';
import { WorkspacePaths } from './paths.js';

export type InitResult = { created: string[]; paths: WorkspacePaths };

/**
 * Create whatever of `.opencode-studio/` is missing; never touch what is there.
 * Running it twice changes nothing.
 */
export async function initWorkspace(root: string, baseBranch: string): Promise<InitResult> {
  const paths = new WorkspacePaths(root);
  const created: string[] = [];
  for (const dir of [paths.dir, paths.tasks, paths.plans, paths.reviews]) {
    if (await mkdirIfMissing(dir)) created.push(paths.relative(dir));
  }
  if ((await readTextOrNull(paths.config)) === null) {
    await writeFileAtomic(paths.config, serializeConfig(Config.parse({ baseBranch })));
    created.push(paths.relative(paths.config));
  }
  const gitignore = `${paths.dir}/.gitignore`;
  const ignore = await readTextOrNull(gitignore);
  if (ignore === null) {
    await writeFileAtomic(gitignore, 'runtime/\n');
    created.push(paths.relative(gitignore));
  } else if (!ignore.split('\n').some((l) => l.trim() === 'runtime/' || l.trim() === 'runtime')) {
    await writeFileAtomic(gitignore, `${ignore.endsWith('\n') || ignore === '' ? ignore : `${ignore}\n`}runtime/\n`);
  }
  // git does not keep empty folders; a .gitkeep keeps the layout in fresh clones.
  for (const dir of [paths.tasks, paths.plans, paths.reviews]) {
    const keep = `${dir}/.gitkeep`;
    if ((await readTextOrNull(keep)) === null && (await fs.readdir(dir)).length === 0) await fs.writeFile(keep, '');
  }
  return { created, paths };
}

async function mkdirIfMissing(dir: string): Promise<boolean> {
  try {
    await fs.mkdir(dir);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}
