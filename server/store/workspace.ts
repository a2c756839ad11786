import fs from 'node:fs/promises';
import { Config } from '../../shared/config.js';
import { readTextOrNull, TEMP_SUFFIX, writeFileAtomic } from './atomic-file.js';
import { serializeConfig } from './config-file.js';
import { WorkspacePaths } from './paths.js';
import { faulted } from './storage-health.js';

/** `gitattributes`: whether `.opencode-studio/.gitattributes` was written (created or given the driver's lines). */
export type InitResult = { created: string[]; paths: WorkspacePaths; gitattributes: boolean };

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
  const hadIgnore = (await readTextOrNull(gitignore)) !== null;
  if ((await ensureLines(gitignore, null, IGNORED)) && !hadIgnore) created.push(paths.relative(gitignore));
  const gitattributes = await ensureLines(`${paths.dir}/.gitattributes`, GITATTRIBUTES_HEADER, GITATTRIBUTES);
  // git does not keep empty folders; a .gitkeep keeps the layout in fresh clones.
  for (const dir of [paths.tasks, paths.plans, paths.reviews]) {
    const keep = `${dir}/.gitkeep`;
    if ((await readTextOrNull(keep)) === null && (await fs.readdir(dir)).length === 0) await writeFileAtomic(keep, '');
  }
  return { created, paths, gitattributes };
}

/**
 * Routes task (and comment) files to the studio's merge driver. Committed with the board; a clone
 * that never ran the studio has no such driver configured, and git then uses its line merge.
 */
const GITATTRIBUTES_HEADER =
  '# OpenCode Studio: task files merge field by field (the driver is set up in .git/config by the studio)';
const GITATTRIBUTES = ['tasks/*.json merge=opencode-studio', 'comments/*.json merge=opencode-studio'];

/** What `.opencode-studio/.gitignore` must hold: runtime state, and the temp files a kill -9 can leave behind. */
const IGNORED = ['runtime/', `*${TEMP_SUFFIX}`];

/** Add whichever of `lines` a file lacks (a new file starts with `header`); true when it wrote. "dir" and "dir/" are one line. */
async function ensureLines(file: string, header: string | null, lines: string[]): Promise<boolean> {
  const text = await readTextOrNull(file);
  const bare = (line: string) => line.trim().replace(/\/$/, '');
  const have = new Set((text ?? '').split('\n').map(bare));
  const missing = lines.filter((l) => !have.has(bare(l)));
  if (missing.length === 0) return false;
  const before = text === null ? (header === null ? '' : `${header}\n`) : text === '' || text.endsWith('\n') ? text : `${text}\n`;
  await writeFileAtomic(file, `${before}${missing.join('\n')}\n`);
  return true;
}

async function mkdirIfMissing(dir: string): Promise<boolean> {
  try {
    await fs.mkdir(dir);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw faulted(dir, err);
  }
}
