import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../server/store/canonical.js';
import { splitConflictMarkers } from '../../server/store/conflict-markers.js';
import { parseTask, serializeTask } from '../../server/store/task-file.js';
import { COMMENTS_MERGE_RULES, mergeFields, TASK_MERGE_RULES } from '../../server/store/task-merge.js';
import { TASK_KEY_ORDER, Task } from '../../shared/task.js';

const base = Task.parse({
  id: 'fix-login-abc123',
  title: 'Fix login',
  description: 'It fails',
  status: 'todo',
  order: 1,
  labels: ['bug', 'ui'],
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
});
const at = (minute: number) => `2026-01-01T00:${String(minute).padStart(2, '0')}:00.000Z`;

describe('field-wise three-way merge of a task', () => {
  it('takes each side’s change to a different field, and the later updatedAt', () => {
    const ours = { ...base, title: 'Fix the login', updatedAt: at(5) };
    const theirs = { ...base, labels: ['bug', 'ui', 'auth'], updatedAt: at(7) };
    const { merged, conflict } = mergeFields(base, ours, theirs, TASK_MERGE_RULES);
    expect(conflict).toEqual({});
    expect(merged).toMatchObject({ title: 'Fix the login', labels: ['bug', 'ui', 'auth'], updatedAt: at(7) });
    expect(merged.conflict).toBeUndefined();
  });

  it('merges labels and dependsOn as sets: adds and removes from both sides', () => {
    const b = { ...base, dependsOn: ['a-1', 'b-2'] };
    const ours = { ...b, labels: ['ui', 'urgent'], dependsOn: ['a-1', 'b-2', 'c-3'] };
    const theirs = { ...b, labels: ['bug', 'ui', 'backend'], dependsOn: ['b-2'] };
    const { merged, conflict } = mergeFields(b, ours, theirs, TASK_MERGE_RULES);
    expect(conflict).toEqual({});
    expect(merged.labels).toEqual(['ui', 'urgent', 'backend']);
    expect(merged.dependsOn).toEqual(['b-2', 'c-3']);
  });

  it('records a field both sides changed differently, keeping ours in the field', () => {
    const ours = { ...base, title: 'Ours', owner: 'ana' };
    const theirs = { ...base, title: 'Theirs', owner: 'bo' };
    const { merged, conflict } = mergeFields(base, ours, theirs, TASK_MERGE_RULES);
    expect(merged.title).toBe('Ours');
    expect(conflict).toEqual({
      title: { base: 'Fix login', ours: 'Ours', theirs: 'Theirs' },
      owner: { ours: 'ana', theirs: 'bo' },
    });
    expect(merged.conflict).toEqual(conflict);
    // The studio's own format, with `conflict` last, and it parses as a task.
    const text = canonicalJson(merged, TASK_KEY_ORDER, ours);
    expect(Object.keys(JSON.parse(text)).slice(-2)).toEqual(['owner', 'conflict']);
    expect(parseTask(text, base.id, '').task.conflict?.title?.theirs).toBe('Theirs');
  });

  it('merges unknown hand-added fields like known ones, and a removal on one side', () => {
    const b = { ...base, estimate: 3, note: 'x' };
    const ours = { ...b, estimate: 5 };
    const { note: _gone, ...theirs } = { ...b, sprint: 'w12' };
    const { merged, conflict } = mergeFields(b, ours, theirs, TASK_MERGE_RULES);
    expect(conflict).toEqual({});
    expect(merged).toMatchObject({ estimate: 5, sprint: 'w12' });
    expect('note' in merged).toBe(false);
  });

  it('a hand-added "__proto__" field is merged as a field like any other', () => {
    const b = JSON.parse('{"title":"t","__proto__":{"a":1}}');
    const ours = JSON.parse('{"title":"t","__proto__":{"a":2}}');
    const theirs = JSON.parse('{"title":"t","__proto__":{"a":3}}');
    const { merged, conflict } = mergeFields(b, ours, theirs, TASK_MERGE_RULES);
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect(Object.hasOwn(merged, '__proto__')).toBe(true);
    expect(Object.keys(conflict)).toEqual(['__proto__']);
    expect(
      Object.getOwnPropertyDescriptor(JSON.parse(canonicalJson(merged, TASK_KEY_ORDER, ours)).conflict, '__proto__')?.value,
    ).toEqual({
      base: { a: 1 },
      ours: { a: 2 },
      theirs: { a: 3 },
    });
  });

  it('keeps a clash one side already had unless the other resolved it', () => {
    const clash = { title: { base: 'a', ours: 'b', theirs: 'c' } };
    const stillOpen = mergeFields(
      { ...base, conflict: clash },
      { ...base, conflict: clash, order: 4 },
      { ...base, conflict: clash },
      TASK_MERGE_RULES,
    );
    expect(stillOpen.conflict).toEqual(clash);
    const resolved = mergeFields({ ...base, conflict: clash }, { ...base }, { ...base, conflict: clash }, TASK_MERGE_RULES);
    expect(resolved.merged.conflict).toBeUndefined();
  });

  it('merges comment lists item by item', () => {
    const c = (id: string, body: string) => ({ id, body });
    const b = { comments: [c('c1', 'one'), c('c2', 'two')] };
    const ours = { comments: [c('c1', 'one!'), c('c2', 'two'), c('c3', 'three')] };
    const theirs = { comments: [c('c1', 'one'), c('c4', 'four')] };
    const { merged, conflict } = mergeFields(b, ours, theirs, COMMENTS_MERGE_RULES);
    expect(conflict).toEqual({});
    expect(merged.comments).toEqual([c('c1', 'one!'), c('c3', 'three'), c('c4', 'four')]);
  });

  it('reads both sides (and a diff3 base) out of git’s conflict markers', () => {
    const text = 'a\n<<<<<<< HEAD\nours\n||||||| base\nold\n=======\ntheirs\n>>>>>>> feature\nz\n';
    expect(splitConflictMarkers(text)).toEqual({ ours: 'a\nours\nz\n', theirs: 'a\ntheirs\nz\n', base: 'a\nold\nz\n' });
    expect(splitConflictMarkers('<<<<<<< HEAD\nonly ours\n')).toBeNull();
  });
});

const FIELDS = ['title', 'description', 'status', 'order', 'labels', 'dependsOn', 'estimate', 'note'] as const;
type Field = (typeof FIELDS)[number];
const arbitraryOf: Record<Field, fc.Arbitrary<unknown>> = {
  title: fc.constantFrom('A', 'B', 'Fix login', 'Refactor'),
  description: fc.string({ maxLength: 6 }),
  status: fc.constantFrom('todo', 'plan_review', 'review', 'done'),
  order: fc.integer({ min: 0, max: 5 }),
  labels: fc.uniqueArray(fc.constantFrom('bug', 'ui', 'db', 'docs', 'ops'), { maxLength: 4 }),
  dependsOn: fc.uniqueArray(fc.constantFrom('a-1', 'b-2', 'c-3'), { maxLength: 3 }),
  estimate: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constant(null)),
  note: fc.constantFrom('x', 'y', 'z'),
};
/** One side's edit: fields set to new values, fields removed (only the hand-added ones), and a later or earlier updatedAt. */
const edit = fc.record({
  set: fc.record(Object.fromEntries(FIELDS.map((f) => [f, arbitraryOf[f]])) as Record<Field, fc.Arbitrary<unknown>>, {
    requiredKeys: [],
  }),
  remove: fc.subarray(['estimate', 'note'] as const),
  minute: fc.integer({ min: 1, max: 59 }),
});

type Edit = { set: Record<string, unknown>; remove: readonly string[]; minute: number };

function apply(from: Record<string, unknown>, e: Edit) {
  const out: Record<string, unknown> = { ...from, ...e.set, updatedAt: at(e.minute) };
  for (const f of e.remove) delete out[f];
  return out;
}

describe('merge fuzz: random edit pairs', () => {
  it('always gives a parseable task and never drops a change made on only one side', () => {
    const start = { ...base, dependsOn: ['a-1'], estimate: 1, note: 'x', updatedAt: at(0) };
    fc.assert(
      fc.property(edit, edit, (e1, e2) => {
        const ours = apply(start, e1);
        const theirs = apply(start, e2);
        const { merged, conflict } = mergeFields(start, ours, theirs, TASK_MERGE_RULES);
        const text = canonicalJson(merged, TASK_KEY_ORDER, ours);
        const parsed = parseTask(text, base.id, '');
        expect(serializeTask(parsed.task, JSON.parse(text))).toBe(text);
        expect(merged.updatedAt).toBe(at(Math.max(e1.minute, e2.minute)));
        for (const field of FIELDS) {
          const [b, o, t] = [start, ours, theirs].map((x) => x[field]);
          const oursChanged = !isDeepStrictEqual(b, o);
          const theirsChanged = !isDeepStrictEqual(b, t);
          if (oursChanged && !theirsChanged) expect(merged[field]).toEqual(o);
          if (theirsChanged && !oursChanged) expect(merged[field]).toEqual(t);
          if (field === 'labels' || field === 'dependsOn') {
            const set = (x: unknown) => new Set(x as string[]);
            const [bs, os, ts, result] = [set(b), set(o), set(t), set(merged[field])];
            for (const x of [...os, ...ts]) if (!bs.has(x)) expect(result.has(x)).toBe(true);
            for (const x of bs) if (!os.has(x) || !ts.has(x)) expect(result.has(x)).toBe(false);
            expect(conflict[field]).toBeUndefined();
          } else if (oursChanged && theirsChanged && !isDeepStrictEqual(o, t)) {
            expect(conflict[field]).toBeDefined();
            expect(merged[field]).toEqual(o);
          } else expect(conflict[field]).toBeUndefined();
        }
        expect(Object.keys(parsed.task.conflict ?? {}).sort()).toEqual(Object.keys(conflict).sort());
      }),
      { numRuns: 2000 },
    );
  });
});
