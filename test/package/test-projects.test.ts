import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** The project vitest.config.ts puts a test file in, by its path alone. */
function projectOf(file: string): 'unit' | 'built' | 'e2e' | 'browser' | 'reliability' {
  if (file.startsWith('test/reliability/')) return 'reliability';
  if (file.startsWith('test/browser/')) return 'browser';
  if (file.startsWith('test/e2e/') || file.startsWith('test/opencode/') || file.endsWith('.e2e.test.ts')) return 'e2e';
  if (file.endsWith('.built.test.ts')) return 'built';
  return 'unit';
}

/** What a file uses that only a slower project may: the built CLI, the real OpenCode, Chromium. */
const NEEDS: Array<{ what: string; pattern: RegExp; allowed: string[] }> = [
  {
    what: 'the built CLI (dist/)',
    pattern: /\bBUILT_CLI\b|\bbuilt: true\b|['"/]dist\/server/,
    allowed: ['built', 'e2e', 'browser', 'reliability'],
  },
  {
    // A studio points git's merge driver for board files at dist/server/cli/main.js: a merge of
    // teammates' boards runs it.
    what: 'the merge driver (the built CLI, run by git)',
    pattern: /\bteamOrigin\(|\bmergeDriverCommand\(/,
    allowed: ['built', 'e2e', 'browser', 'reliability'],
  },
  {
    what: 'the real OpenCode',
    pattern: /helpers\/agent-studio\.js|startAgentStudio\(/,
    allowed: ['e2e', 'browser', 'reliability'],
  },
  { what: 'Chromium', pattern: /playwright-core|\/usr\/bin\/chromium/, allowed: ['e2e', 'browser', 'reliability'] },
];

describe('the vitest projects', () => {
  it('a test file uses only what its project may: unit runs from source alone, before any build', async () => {
    const files = (await fs.readdir(path.join(ROOT, 'test'), { recursive: true }))
      .map((f) => `test/${f}`)
      .filter((f) => f.endsWith('.test.ts') && f !== 'test/package/test-projects.test.ts');
    expect(files.length).toBeGreaterThan(50);
    const misplaced: string[] = [];
    for (const file of files) {
      const text = await fs.readFile(path.join(ROOT, file), 'utf8');
      for (const need of NEEDS)
        if (need.pattern.test(text) && !need.allowed.includes(projectOf(file)))
          misplaced.push(`${file} uses ${need.what} but is in the ${projectOf(file)} project`);
    }
    expect(misplaced).toEqual([]);
  });

  it('would catch a unit test that runs the built CLI', () => {
    const text = "import { BUILT_CLI } from '../helpers/cli.js';";
    const need = NEEDS[0]!;
    expect(need.pattern.test(text) && !need.allowed.includes(projectOf('test/cli/new.test.ts'))).toBe(true);
    expect(projectOf('test/cli/new.built.test.ts')).toBe('built');
    const merges = 'const { origin, clone } = await teamOrigin();';
    expect(NEEDS[1]!.pattern.test(merges) && !NEEDS[1]!.allowed.includes(projectOf('test/git/new.test.ts'))).toBe(true);
  });
});
