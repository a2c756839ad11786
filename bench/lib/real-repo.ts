import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { ROOT } from './paths.js';

/** Files bigger than this are left out: a source tree, not a pile of bundles. */
const MAX_FILE_BYTES = 256 * 1024;

/**
 * A git repository of `count` files no one here wrote: the files of the packages installed in
 * node_modules, in a stable order, copied under `vendor/` and committed on `main`. Offline, and
 * the same tree on every run of the same lockfile.
 */
export async function makeRealRepo(dir: string, count: number): Promise<{ root: string; files: number }> {
  const files = await pickFiles(path.join(ROOT, 'node_modules'), count);
  await fs.mkdir(dir, { recursive: true });
  await Promise.all(
    chunk(files, 64).map(async (part) => {
      for (const rel of part) {
        const to = path.join(dir, 'vendor', rel);
        await fs.mkdir(path.dirname(to), { recursive: true });
        await fs.copyFile(path.join(ROOT, 'node_modules', rel), to);
      }
    }),
  );
  await fs.writeFile(path.join(dir, 'README.md'), `# A real repository\n\n${files.length} files from installed packages.\n`);
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'ignore' });
  git('init', '-q', '-b', 'main');
  git('config', 'user.name', 'Bench');
  git('config', 'user.email', 'bench@example.com');
  git('config', 'commit.gpgsign', 'false');
  git('add', '-A');
  git('commit', '-q', '-m', 'import');
  return { root: dir, files: files.length + 1 };
}

async function pickFiles(from: string, count: number): Promise<string[]> {
  const picked: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    const entries = await fs.readdir(path.join(from, rel), { withFileTypes: true });
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      if (picked.length >= count) return;
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      // Binaries (opencode's own, esbuild's) and nested .bin links are no source tree.
      if (entry.name === '.bin' || entry.name.startsWith('opencode-') || entry.name.startsWith('@esbuild')) continue;
      if (entry.isDirectory()) await walk(child);
      else if (entry.isFile() && (await fs.stat(path.join(from, child))).size <= MAX_FILE_BYTES) picked.push(child);
    }
  };
  await walk('');
  if (picked.length < count) throw new Error(`node_modules has only ${picked.length} usable files; ${count} wanted`);
  return picked;
}

function chunk<T>(list: T[], parts: number): T[][] {
  const out: T[][] = Array.from({ length: parts }, () => []);
  for (const [i, item] of list.entries()) out[i % parts]!.push(item);
  return out;
}
