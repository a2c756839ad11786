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
const LAYER_DIRS = [
  'shared',
  'server/lib',
  'server/store',
  'server/opencode',
  'server/orchestrator',
  'server/services',
  'server/routers',
  'server/http',
];
const up = (i: number) => `${LAYER_DIRS[i]}/probe-up.ts`;
const down = (i: number) => `${LAYER_DIRS[i]}/probe-down.ts`;

/** Writes `file` into the tree at `dir`, importing `imports` (paths from the tree's root). */
async function writeProbe(dir: string, file: string, imports: string[]): Promise<void> {
  const lines = imports.map((to) => `import '${path.relative(path.dirname(file), to).replace(/\.ts$/, '.js')}';`);
  await fs.mkdir(path.join(dir, path.dirname(file)), { recursive: true });
  await fs.writeFile(path.join(dir, file), `${lines.join('\n')}\nexport const probe = true;\n`);
}

// One run of the lint (its start-up is most of its cost) over a copy of this code base with probes
// added proves it all: the code passes, every import from the layer just above fails naming its
// rule, imports downward pass, and the rule bites on a real file.
describe('the layer lint (dependency-cruiser)', () => {
  it('passes on this code base and on downward imports; fails on every import from the layer just above and on a deliberately upward import in the code (the store reaching into the HTTP edge)', async () => {
    const dir = await tempDir('studio-layers-copy-');
    for (const entry of ['server', 'shared', 'client', 'tsconfig.json'])
      await fs.cp(path.join(ROOT, entry), path.join(dir, entry), { recursive: true });
    await fs.symlink(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
    const canonical = path.join(dir, 'server/store/canonical.ts');
    await fs.writeFile(canonical, `import '../http/security.js';\n${await fs.readFile(canonical, 'utf8')}`);
    // Each layer's up probe imports the next layer's; each down probe imports every lower layer's up probe.
    for (const i of LAYER_DIRS.keys()) {
      await writeProbe(dir, up(i), i + 1 < LAYER_DIRS.length ? [up(i + 1)] : []);
      await writeProbe(dir, down(i), [...Array(i).keys()].map(up));
    }
    await writeProbe(dir, 'client/probe-down.ts', [up(0)]);

    const violations = await layerViolations(dir);
    const pairs = violations.map((v) => `${v.from} -> ${v.to}`).sort();
    expect(pairs).toEqual(
      [
        ...LAYER_DIRS.slice(0, -1).map((_, i) => `${up(i)} -> ${up(i + 1)}`),
        'server/store/canonical.ts -> server/http/security.ts',
      ].sort(),
    );
    expect(violations.every((v) => v.rule.name.startsWith('no-upward-from-'))).toBe(true);
    expect(violations.find((v) => v.from === 'server/store/canonical.ts')?.rule.name).toBe('no-upward-from-store-git-events');
  }, 120_000);
});
