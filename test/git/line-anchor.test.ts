import { describe, expect, it } from 'vitest';
import { followLines, stillRemoved } from '../../server/git/line-anchor.js';

describe('comment lines across a new commit', () => {
  it('lines move with the hunks above them, and a hunk inside them makes them changed', () => {
    // 2 lines added on top, line 10 rewritten, 1 line inserted after line 20.
    const hunks = [
      { oldStart: 0, oldCount: 0, newStart: 1, newCount: 2 },
      { oldStart: 10, oldCount: 1, newStart: 12, newCount: 1 },
      { oldStart: 20, oldCount: 0, newStart: 23, newCount: 1 },
    ];
    expect(followLines(hunks, 5, 6)).toEqual({ start: 7, end: 8 });
    expect(followLines(hunks, 10, 10)).toBe('changed');
    expect(followLines(hunks, 9, 11)).toBe('changed');
    expect(followLines(hunks, 20, 20), 'an insertion after the last line leaves it alone').toEqual({ start: 22, end: 22 });
    expect(followLines(hunks, 19, 21), 'an insertion inside the range changes it').toBe('changed');
    expect(followLines(hunks, 30, 31)).toEqual({ start: 33, end: 34 });
    expect(followLines([], 3, 3)).toEqual({ start: 3, end: 3 });
  });

  it('removed lines stay removed while every one of them sits in a removing hunk', () => {
    const hunks = [{ oldStart: 4, oldCount: 3, newStart: 4, newCount: 0 }];
    expect(stillRemoved(hunks, 4, 6)).toBe(true);
    expect(stillRemoved(hunks, 5, 7)).toBe(false);
  });
});
