import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import { TASK_KEY_ORDER } from '../../shared/task.js';
import { canonicalJson, parseJsonObject } from '../store/canonical.js';
import { COMMENTS_MERGE_RULES, type MergeRules, mergeFields, TASK_MERGE_RULES } from '../store/task-merge.js';

const KINDS: Array<{ pattern: RegExp; rules: MergeRules; keyOrder: readonly string[] }> = [
  { pattern: /(^|\/)\.opencode-studio\/tasks\/[^/]+\.json$/, rules: TASK_MERGE_RULES, keyOrder: TASK_KEY_ORDER },
  { pattern: /(^|\/)\.opencode-studio\/comments\/[^/]+\.json$/, rules: COMMENTS_MERGE_RULES, keyOrder: [] },
];

/**
 * `opencode-studio merge-driver <base> <ours> <theirs> <path>`, run by git (see
 * `.opencode-studio/.gitattributes`). Writes the merge into <ours>; exits 1 when a field clashed
 * (recorded in the file's `conflict`), so git marks the file conflicted. Anything it cannot read
 * as JSON objects goes to git's own line merge.
 */
export async function runMergeDriver(args: string[]): Promise<number> {
  if (args.length !== 4) throw new Error('merge-driver takes <base> <ours> <theirs> <path> (git passes %O %A %B %P)');
  const [basePath, oursPath, theirsPath, filePath] = args as [string, string, string, string];
  const kind = KINDS.find((k) => k.pattern.test(filePath.replaceAll('\\', '/')));
  const [baseText, oursText, theirsText] = await Promise.all([basePath, oursPath, theirsPath].map((p) => fs.readFile(p, 'utf8')));
  const objects = kind ? readAll(baseText!, oursText!, theirsText!) : null;
  if (!kind || !objects) return lineMerge(basePath, oursPath, theirsPath, filePath);
  const [base, ours, theirs] = objects;
  const { merged, conflict } = mergeFields(base, ours, theirs, kind.rules);
  await fs.writeFile(oursPath, canonicalJson(merged, kind.keyOrder, ours));
  const clashes = Object.keys(conflict);
  if (clashes.length > 0) process.stderr.write(`opencode-studio: ${filePath}: both sides changed ${clashes.join(', ')}\n`);
  return clashes.length > 0 ? 1 : 0;
}

type Json = Record<string, unknown>;

function readAll(base: string, ours: string, theirs: string): [Json, Json, Json] | null {
  try {
    // An empty base: the file was added on both sides.
    return [base.trim() === '' ? {} : parseJsonObject(base), parseJsonObject(ours), parseJsonObject(theirs)];
  } catch {
    return null;
  }
}

/** What git would have done without the driver: its line merge, with conflict markers. */
function lineMerge(base: string, ours: string, theirs: string, name: string): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile('git', ['merge-file', '-L', `ours:${name}`, '-L', 'base', '-L', `theirs:${name}`, ours, base, theirs], (err) => {
      if (!err) return resolve(0);
      const code = (err as { code?: unknown }).code;
      if (typeof code === 'number' && code > 0) return resolve(1);
      reject(err);
    });
  });
}
