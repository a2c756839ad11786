import path from 'node:path';
import { parseArgs } from 'node:util';
import { openRepo } from '../git/repo.js';
import { clearSlotsOffline, readSlotFile } from '../orchestrator/warm-slots.js';
import { WorkspacePaths } from '../store/paths.js';
import { claimRuntime, releaseRuntime } from '../store/runtime-file.js';

/** `opencode-studio slots [--clear] [dir]`: lists the warm worktree slots, or removes them all. */
export async function runSlots(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { clear: { type: 'boolean' } },
  });
  if (positionals.length > 1) throw new Error(`slots takes at most one directory, not ${positionals.join(' ')}`);
  const repo = await openRepo(path.resolve(positionals[0] ?? process.cwd()));
  const paths = new WorkspacePaths(repo.root);
  if (!values.clear) {
    const { slots } = await readSlotFile(paths);
    if (slots.length === 0) process.stdout.write('No warm slots.\n');
    for (const s of slots) process.stdout.write(`${s.name}  ${s.state}  ${s.base?.slice(0, 8) ?? '-'}  ${s.dir}\n`);
    return 0;
  }
  // Holding the studio's lock: no studio can start (and refill) while the slots go.
  try {
    await claimRuntime(paths);
  } catch (err) {
    throw new Error(`${(err as Error).message}; or set warmSlots to 0 in its settings, which removes the slots too`);
  }
  try {
    const removed = await clearSlotsOffline(repo, paths);
    process.stdout.write(removed.length ? `Removed ${removed.length} warm slot(s): ${removed.join(', ')}\n` : 'No warm slots.\n');
  } finally {
    await releaseRuntime(paths);
  }
  return 0;
}
