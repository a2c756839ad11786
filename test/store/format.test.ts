import { describe, expect, it } from 'vitest';
import { parseConfig, serializeConfig } from '../../server/store/config-file.js';
import { WorkspacePaths } from '../../server/store/paths.js';
import { newTaskId, parseTask, serializeTask } from '../../server/store/task-file.js';
import { Task } from '../../shared/task.js';

const base = {
  id: 'fix-login-abc123',
  title: 'Fix login',
  description: 'It **fails**',
  status: 'todo',
  order: 1,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};

describe('task file format', () => {
  it('round-trips: serialize(parse(text)) is the same text, keys in fixed order, 2 spaces, newline', () => {
    const first = serializeTask(Task.parse(base));
    const again = serializeTask(parseTask(first, base.id, '').task, JSON.parse(first));
    expect(again).toBe(first);
    expect(first.endsWith('}\n')).toBe(true);
    expect(first.split('\n')[1]).toBe('  "id": "fix-login-abc123",');
    expect(Object.keys(JSON.parse(first))).toEqual([
      'id',
      'title',
      'description',
      'status',
      'order',
      'labels',
      'branch',
      'iteration',
      'verdict',
      'run',
      'error',
      'usage',
      'createdAt',
      'updatedAt',
    ]);
  });

  it('keeps unknown fields a person added, in their place after the known ones', () => {
    const raw = { myNote: 'keep me', ...base, estimate: { points: 3 } };
    const { task } = parseTask(JSON.stringify(raw), base.id, '');
    const text = serializeTask({ ...task, status: 'planning' }, raw);
    const out = JSON.parse(text);
    expect(out.myNote).toBe('keep me');
    expect(out.estimate).toEqual({ points: 3 });
    expect(Object.keys(out).slice(-2)).toEqual(['myNote', 'estimate']);
  });

  it('a status change is a one-line diff (plus updatedAt)', () => {
    const before = serializeTask(Task.parse(base));
    const after = serializeTask(Task.parse({ ...base, status: 'planning' }));
    const a = before.split('\n');
    const b = after.split('\n');
    expect(a.length).toBe(b.length);
    expect(a.filter((line, i) => line !== b[i])).toEqual(['  "status": "todo",']);
  });

  it('rejects bad JSON, a wrong status, a missing title and an id that differs from the file name, with readable reasons', () => {
    expect(() => parseTask('{ nope', base.id, '')).toThrow(/not valid JSON/);
    expect(() => parseTask(JSON.stringify({ ...base, status: 'doing' }), base.id, '')).toThrow(/status/);
    expect(() => parseTask(JSON.stringify({ ...base, title: undefined }), base.id, '')).toThrow(/title/);
    expect(() => parseTask(JSON.stringify(base), 'other-id', '')).toThrow(/file name says "other-id"/);
    expect(() => parseTask('[]', base.id, '')).toThrow(/JSON object/);
  });

  it('fills id, order and dates of a minimal hand-made file', () => {
    const { task } = parseTask(JSON.stringify({ title: 'Hand made', status: 'todo' }), 'hand-made', '2026-02-02T00:00:00.000Z');
    expect(task).toMatchObject({ id: 'hand-made', order: 0, createdAt: '2026-02-02T00:00:00.000Z', labels: [], run: null });
  });

  it('makes ids that match the pattern and do not repeat', () => {
    const ids = new Set(Array.from({ length: 2000 }, () => newTaskId('Add a dark mode to the settings page!')));
    expect(ids.size).toBe(2000);
    for (const id of ids) expect(id).toMatch(/^add-a-dark-mode-to-the-settings-page-[a-z0-9]{6}$/);
    expect(newTaskId('日本語')).toMatch(/^task-[a-z0-9]{6}$/);
    expect(newTaskId('x'.repeat(200)).length).toBeLessThanOrEqual(64);
  });
});

describe('config format', () => {
  it('fills missing fields with defaults and names a wrong field', () => {
    expect(parseConfig('{}').config).toMatchObject({
      version: 1,
      baseBranch: 'main',
      requirePlanApproval: true,
      maxParallel: 3,
      maxReviewIterations: 2,
    });
    expect(() => parseConfig('{"maxParallel": "lots"}')).toThrow(/maxParallel/);
    expect(() => parseConfig('{"models": {"planning": "nope"}}')).toThrow(/models\.planning/);
  });

  it('round-trips', () => {
    const text = serializeConfig(parseConfig('{"baseBranch":"trunk"}').config);
    expect(serializeConfig(parseConfig(text).config, JSON.parse(text))).toBe(text);
    expect(text).toContain('"baseBranch": "trunk"');
  });
});

describe('ids never reach a path unless valid', () => {
  const paths = new WorkspacePaths('/repo');
  it.each(['../etc/passwd', '..', '/abs', 'a/b', 'UPPER', '-lead', 'a', 'x'.repeat(65), 'ok\u0000', 'ok.json', 'caf\u00e9', ''])(
    'refuses %j',
    (id) => {
      expect(() => paths.task(id)).toThrow(/invalid task id/);
      expect(() => paths.plan(id)).toThrow(/invalid task id/);
    },
  );
  it('accepts a valid id inside the folder', () => {
    expect(paths.task('ab-1')).toBe('/repo/.opencode-studio/tasks/ab-1.json');
  });
  it('classifies only the files the studio owns', () => {
    expect(paths.classify('/repo/.opencode-studio/tasks/ab-1.json')).toEqual({ kind: 'task', id: 'ab-1' });
    expect(paths.classify('/repo/.opencode-studio/plans/ab-1.md')).toEqual({ kind: 'plan', id: 'ab-1' });
    expect(paths.classify('/repo/.opencode-studio/config.json')).toEqual({ kind: 'config', id: null });
    expect(paths.classify('/repo/.opencode-studio/tasks/.ab-1.json.swp')).toBeNull();
    expect(paths.classify('/repo/.opencode-studio/runtime/server.json')).toBeNull();
    expect(paths.classify('/repo/.opencode-studio/tasks/sub/ab-1.json')).toBeNull();
  });
});
