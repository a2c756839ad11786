import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { highlight, languageOf } from '../../client/src/diff/highlight.js';
import { parsePatch } from '../../client/src/diff/parse-patch.js';
import { orderAt } from '../../client/src/lib/order.js';
import type { AppRouter } from '../../server/routers/index.js';
import type { ActivityEntry } from '../../shared/activity.js';
import { collapseActivity } from '../../shared/activity-rows.js';

// The board's pure logic, run in Node: what the browser tests would only show indirectly.

describe('orderAt', () => {
  const column = [{ order: 1 }, { order: 2 }, { order: 4 }];
  it('puts a card between its new neighbours, before the first, after the last, or leaves an empty column alone', () => {
    expect(orderAt(column, 0)).toBe(0);
    expect(orderAt(column, 1)).toBe(1.5);
    expect(orderAt(column, 2)).toBe(3);
    expect(orderAt(column, 3)).toBe(5);
    expect(orderAt([], 0)).toBeUndefined();
  });
});

describe('parsePatch', () => {
  const patch = [
    'diff --git a/src/a.ts b/src/a.ts',
    'index 1..2 100644',
    '--- a/src/a.ts',
    '+++ b/src/a.ts',
    '@@ -1,3 +1,3 @@ export function a()',
    ' one',
    '-two',
    '+TWO',
    ' three',
    '\\ No newline at end of file',
    'diff --git a/old name.txt b/new name.txt',
    'similarity index 90%',
    'rename from old name.txt',
    'rename to new name.txt',
    'diff --git a/logo.png b/logo.png',
    'new file mode 100644',
    'Binary files /dev/null and b/logo.png differ',
    '',
  ].join('\n');

  it('gives one row per file, hunk and line, with both line numbers', () => {
    const parsed = parsePatch(patch);
    expect(parsed.rows.map((r) => r.kind)).toEqual([
      'file',
      'hunk',
      'line',
      'line',
      'line',
      'line',
      'meta',
      'file',
      'file',
      'meta',
    ]);
    expect(parsed.rows.filter((r) => r.kind === 'line')).toEqual([
      { kind: 'line', type: 'ctx', oldNo: 1, newNo: 1, text: 'one', file: 0 },
      { kind: 'line', type: 'del', oldNo: 2, newNo: null, text: 'two', file: 0 },
      { kind: 'line', type: 'add', oldNo: null, newNo: 2, text: 'TWO', file: 0 },
      { kind: 'line', type: 'ctx', oldNo: 3, newNo: 3, text: 'three', file: 0 },
    ]);
    expect([...parsed.fileRows]).toEqual([
      ['src/a.ts', 0],
      ['new name.txt', 7],
      ['logo.png', 8],
    ]);
    expect(parsed.rows[7]).toMatchObject({ note: 'renamed from old name.txt' });
    expect(parsed.rows[8]).toMatchObject({ note: 'new file' });
    expect(Array.from(parsed.owner)).toEqual([0, 0, 0, 0, 0, 0, 0, 7, 8, 8]);
  });

  it('parses a 5,000-line patch into one row per line (its speed is measured in npm run bench)', () => {
    const lines = Array.from({ length: 5_000 }, (_, i) => `+const value${i} = ${i};`);
    const big = ['diff --git a/big.ts b/big.ts', '--- /dev/null', '+++ b/big.ts', '@@ -0,0 +1,5000 @@', ...lines].join('\n');
    const parsed = parsePatch(big);
    expect(parsed.rows).toHaveLength(5_002);
  });
});

describe('highlight', () => {
  const classes = (text: string, path: string) =>
    highlight(text, languageOf(path))
      .filter(([cls]) => cls)
      .map(([cls, t]) => `${cls}:${t}`);

  it('colours keywords, strings, numbers, comments, calls and types in code', () => {
    expect(classes("const x: Theme = load('a', 42); // why", 'src/a.ts')).toEqual([
      'kw:const',
      'type:Theme',
      'fn:load',
      "str:'a'",
      'num:42',
      'com:// why',
    ]);
    expect(classes('def run(self): return None  # done', 'x.py')).toEqual([
      'kw:def',
      'fn:run',
      'kw:self',
      'kw:return',
      'kw:None',
      'com:# done',
    ]);
  });

  it('leaves prose alone and keeps the text intact', () => {
    expect(classes('Written by the OpenCode Studio demo (model).', 'notes.md')).toEqual([]);
    expect(classes('## Next steps', 'notes.md')).toEqual(['kw:## Next steps']);
    const text = 'const s = "unterminated';
    expect(
      highlight(text, languageOf('a.js'))
        .map(([, t]) => t)
        .join(''),
    ).toBe(text);
    expect(highlight('anything', languageOf('LICENSE'))).toEqual([[null, 'anything']]);
  });
});

describe('collapseActivity', () => {
  const at = '2025-01-01T00:00:00.000Z';
  it('keeps one row per tool call, where it started, with its latest state', () => {
    const entries: ActivityEntry[] = [
      { kind: 'phase', at, phase: 'implementation', state: 'started' },
      { kind: 'tool', at, phase: 'implementation', partId: 't1', tool: 'read', title: 'a', state: 'running', durationMs: null },
      { kind: 'text', at, phase: 'implementation', partId: 'x', text: 'hello' },
      { kind: 'tool', at, phase: 'implementation', partId: 't1', tool: 'read', title: 'a', state: 'completed', durationMs: 5 },
    ];
    const rows = collapseActivity(entries);
    expect(rows.map((r) => r.kind)).toEqual(['phase', 'tool', 'text']);
    expect(rows[1]).toMatchObject({ state: 'completed', durationMs: 5 });
  });

  it('shows a setup command as one row with its latest state, and its output as one block', () => {
    const setup = (state: 'running' | 'error', exitCode: number | null) =>
      ({
        kind: 'setup',
        at,
        phase: 'planning',
        id: 's1',
        command: 'npm ci',
        step: 1,
        of: 1,
        state,
        exitCode,
        durationMs: exitCode === null ? null : 9,
      }) as const;
    const output = (text: string) => ({ kind: 'output', at, phase: 'planning', id: 's1', text }) as const;
    const rows = collapseActivity([
      setup('running', null),
      output('added 1 package\n'),
      output('npm ERR! lockfile\n'),
      setup('error', 1),
    ]);
    expect(rows.map((r) => r.kind)).toEqual(['setup', 'output']);
    expect(rows[0]).toMatchObject({ state: 'error', exitCode: 1 });
    expect(rows[1]).toMatchObject({ text: 'added 1 package\nnpm ERR! lockfile\n' });
    // A long output keeps its end, where the error is.
    const long = collapseActivity([output('x'.repeat(30_000)), output('the end\n')]);
    expect(long).toHaveLength(1);
    const text = (long[0] as { text: string }).text;
    expect(text.length).toBe(20_000);
    expect(text.endsWith('the end\n')).toBe(true);
  });
});

describe('errorText', () => {
  it('says the studio did not answer when no HTTP answer came, and shows the studio’s own message otherwise', async () => {
    const { createTRPCClient, httpLink } = await import('@trpc/client');
    const { errorText } = await import('../../client/src/state/toasts.js');
    const server = http.createServer((_req, res) => {
      res.writeHead(412, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'not now', code: -32012, data: { code: 'PRECONDITION_FAILED' } } }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const client = (url: string) =>
      createTRPCClient<AppRouter>({ links: [httpLink({ url })] }).health.query() as Promise<unknown>;
    const refused = await client(`http://127.0.0.1:${port}/trpc`).catch((err: unknown) => err);
    await new Promise((resolve) => server.close(resolve));
    const gone = await client(`http://127.0.0.1:${port}/trpc`).catch((err: unknown) => err);
    expect(errorText(refused)).toBe('not now');
    expect(errorText(gone)).toBe('the studio did not answer: is it still running?');
  });
});
