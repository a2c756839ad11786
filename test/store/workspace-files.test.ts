import fs from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { writeTemp } from '../../server/store/atomic-file.js';
import { initWorkspace } from '../../server/store/workspace.js';
import { git, removeTempDirs, tempRepo } from '../helpers/temp-repo.js';

afterAll(removeTempDirs);

const untracked = (root: string) => git(root, 'status', '--porcelain', '--untracked-files=all').split('\n');

describe('files a crash leaves in .opencode-studio/', () => {
  it('a temp file left by a kill -9 mid-write is ignored by git', async () => {
    const root = await tempRepo();
    const { paths } = await initWorkspace(root, 'main');
    // What a kill -9 between writing the temp file and renaming it leaves behind.
    const temps = await Promise.all([
      writeTemp(paths.task('left-behind-abc123'), '{}\n'),
      writeTemp(paths.plan('left-behind-abc123'), '# half\n'),
      writeTemp(paths.config, '{}\n'),
    ]);
    const status = untracked(root);
    expect(status).toContain('?? .opencode-studio/config.json');
    for (const temp of temps) expect(status.join('\n')).not.toContain(temp.slice(root.length + 1));
    for (const temp of temps) expect(git(root, 'check-ignore', temp)).toBe(temp);
  });

  it('an existing workspace whose .gitignore predates the temp-file line gets it, keeping its own lines', async () => {
    const root = await tempRepo();
    await fs.mkdir(`${root}/.opencode-studio`);
    await fs.writeFile(`${root}/.opencode-studio/.gitignore`, 'runtime\nmine.txt');
    const { created } = await initWorkspace(root, 'main');
    expect(created).not.toContain('.opencode-studio/.gitignore');
    expect(await fs.readFile(`${root}/.opencode-studio/.gitignore`, 'utf8')).toBe('runtime\nmine.txt\n*.studio-tmp\n');
    await initWorkspace(root, 'main');
    expect(await fs.readFile(`${root}/.opencode-studio/.gitignore`, 'utf8')).toBe('runtime\nmine.txt\n*.studio-tmp\n');
  });
});
