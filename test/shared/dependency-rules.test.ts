import { describe, expect, it } from 'vitest';
import { findCycles } from '../../shared/dependencies.js';
import { guard } from '../../shared/lifecycle.js';
import type { TaskStatus } from '../../shared/task.js';

describe('dependency rules', () => {
  const t = (id: string, dependsOn: string[], status: TaskStatus = 'todo') => ({
    id,
    title: id.toUpperCase(),
    status,
    dependsOn,
  });

  it('findCycles names each cycle once; tasks outside cycles and unknown ids are left alone', () => {
    const tasks = [t('a', ['b']), t('b', ['c']), t('c', ['a']), t('d', ['a', 'gone']), t('e', ['e'])];
    expect(findCycles(tasks)).toEqual([
      ['a', 'b', 'c', 'a'],
      ['e', 'e'],
    ]);
    expect(findCycles([t('a', []), t('b', ['a'])])).toEqual([]);
  });

  it('the start guard names the blockers, lets a deleted or done dependency pass, and refuses a cycle', () => {
    const board = new Map([t('a', [], 'review'), t('b', [], 'done'), t('c', ['d']), t('d', ['c'])].map((x) => [x.id, x]));
    const find = (id: string) => board.get(id);
    const task = { ...t('x', ['a', 'b', 'gone']), run: null };
    expect(guard('start', task, find)).toEqual({
      reason: 'blocked',
      message: '"X" is blocked: it waits for "A" (a) to be Done (merged) first',
    });
    expect(guard('start', { ...task, dependsOn: ['b', 'gone'] }, find)).toBeNull();
    expect(guard('approvePlan', task, find), 'only start is guarded').toBeNull();
    expect(guard('start', { ...t('c', ['d']), run: null }, find)?.message).toBe(
      '"C" is blocked: it is in a dependency cycle: "C" (c) → "D" (d) → "C" (c)',
    );
  });
});
