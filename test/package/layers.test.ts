import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../helpers/temp-repo.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const DEPCRUISE = path.join(ROOT, 'node_modules/.bin/depcruise');
const run = promisify(execFile);

afterAll(removeTempDirs);

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
}

/** The layer lint (`npm run lint:layers`) on the tree at `cwd`: its violations. */
async function layerViolations(cwd: string): Promise<Violation[]> {
  const args = ['--config', path.join(ROOT, '.dependency-cruiser.cjs'), '--output-type', 'json', 'server', 'shared', 'client'];
  // It exits non-zero when it finds a violation; the JSON on stdout says which.
  const { stdout, stderr } = await run(DEPCRUISE, args, { cwd, maxBuffer: 64 * 1024 * 1024 }).catch((err) => err);
  if (!stdout) throw new Error(`depcruise wrote nothing: ${stderr}`);
  return (JSON.parse(stdout).summary.violations as Violation[]).map(({ from, to, rule }) => ({
    from,
    to,
    rule: { name: rule.name },
  }));
}

/** One file per layer, lowest first, as the lint sees them (.dependency-cruiser.cjs). */
const LAYER_FILES = [
  'shared/thing.ts',
  'server/lib/thing.ts',
  'server/store/thing.ts',
  'server/opencode/thing.ts',
  'server/orchestrator/thing.ts',
  'server/services/thing.ts',
  'server/routers/thing.ts',
  'server/http/thing.ts',
];

/** A small tree where each layer's file imports `importsOf(i)`'s files. */
async function treeOf(importsOf: (i: number) => number[]): Promise<string> {
  const dir = await tempDir('studio-layers-');
  await fs.copyFile(path.join(ROOT, 'tsconfig.json'), path.join(dir, 'tsconfig.json'));
  for (const [i, file] of LAYER_FILES.entries()) {
    const lines = importsOf(i).map(
      (j) => `import '${path.relative(path.dirname(file), LAYER_FILES[j]!).replace(/\.ts$/, '.js')}';`,
    );
    await fs.mkdir(path.join(dir, path.dirname(file)), { recursive: true });
    await fs.writeFile(path.join(dir, file), `${lines.join('\n')}\nexport const thing = ${i};\n`);
  }
  await fs.mkdir(path.join(dir, 'client'));
  await fs.writeFile(path.join(dir, 'client/thing.ts'), "import '../shared/thing.js';\n");
  return dir;
}

describe('the layer lint (dependency-cruiser)', () => {
  it('fails on every import from the layer just above, naming the rule; imports downward pass', async () => {
    const upward = await layerViolations(await treeOf((i) => (i + 1 < LAYER_FILES.length ? [i + 1] : [])));
    const pairs = (vs: Violation[]) => vs.map((v) => `${v.from} -> ${v.to}`).sort();
    expect(pairs(upward)).toEqual(
      LAYER_FILES.slice(0, -1)
        .map((file, i) => `${file} -> ${LAYER_FILES[i + 1]}`)
        .sort(),
    );
    expect(upward.every((v) => v.rule.name.startsWith('no-upward-from-'))).toBe(true);

    const downward = await layerViolations(await treeOf((i) => [...Array(i).keys()]));
    expect(downward).toEqual([]);
  }, 120_000);

  // One run of the lint over a copy of this code base proves both: the code passes, and the rule bites in it.
  it('passes on this code base, and fails on one deliberately upward import in a copy of it (the store reaching into the HTTP edge)', async () => {
    const dir = await tempDir('studio-layers-copy-');
    for (const entry of ['server', 'shared', 'client', 'tsconfig.json'])
      await fs.cp(path.join(ROOT, entry), path.join(dir, entry), { recursive: true });
    await fs.symlink(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
    const canonical = path.join(dir, 'server/store/canonical.ts');
    await fs.writeFile(canonical, `import '../http/security.js';\n${await fs.readFile(canonical, 'utf8')}`);

    expect(await layerViolations(dir)).toEqual([
      { from: 'server/store/canonical.ts', to: 'server/http/security.ts', rule: { name: 'no-upward-from-store-git-events' } },
    ]);
  }, 120_000);
});
