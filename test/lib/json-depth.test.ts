import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonDepth, MAX_JSON_DEPTH, nestedDeeperThan } from '../../server/lib/json-depth.js';
import { parseJsonObject } from '../../server/store/canonical.js';

const nested = (levels: number) => `${'{"a":'.repeat(levels - 1)}{}${'}'.repeat(levels - 1)}`;

describe('how deep a parsed task file nests', () => {
  it('agrees with the scan of its text for any JSON value and any limit', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 12 }), fc.integer({ min: 0, max: 14 }), (value, max) => {
        const text = JSON.stringify(value);
        expect(nestedDeeperThan(JSON.parse(text), max)).toBe(jsonDepth(text) > max);
      }),
      { numRuns: 500 },
    );
  });

  it(`a file nested ${MAX_JSON_DEPTH} levels is read, one level more is refused with the reason`, () => {
    expect(() => parseJsonObject(nested(MAX_JSON_DEPTH))).not.toThrow();
    expect(() => parseJsonObject(nested(MAX_JSON_DEPTH + 1))).toThrow(`nested more than ${MAX_JSON_DEPTH} levels deep`);
    // Far deeper than JSON.stringify could handle: still a clear refusal, not a crash.
    expect(() => parseJsonObject(nested(100_000))).toThrow(`nested more than ${MAX_JSON_DEPTH} levels deep`);
  });
});
