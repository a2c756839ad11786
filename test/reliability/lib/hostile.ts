import fc from 'fast-check';

/** Every hostile string carries this marker, so a file it manages to create anywhere can be found. */
export const CANARY = 'zqxj';

/** Path tricks, encodings, unicode lookalikes, control characters, shell and template injection. */
export const HOSTILE_STRINGS: readonly string[] = [
  `../../../../${CANARY}`,
  `../${CANARY}`,
  `..%2f..%2f${CANARY}`,
  `..%252f..%252f${CANARY}`,
  `%2e%2e%2f%2e%2e%2f${CANARY}`,
  `..\\..\\${CANARY}`,
  `....//....//${CANARY}`,
  `..;/${CANARY}`,
  `/tmp/${CANARY}-abs`,
  `/etc/${CANARY}`,
  '/etc/passwd',
  `C:\\${CANARY}`,
  `\\\\?\\C:\\${CANARY}`,
  `file:///tmp/${CANARY}`,
  `~/${CANARY}`,
  `tasks/../../${CANARY}`,
  `${CANARY}\u0000.json`,
  `${CANARY}%00`,
  '\u0000',
  `\uff0e\uff0e\uff0f${CANARY}`, // fullwidth "../"
  `\u2024\u2024/${CANARY}`, // one-dot leaders
  `\u2025/${CANARY}`, // two-dot leader
  `\u202e${CANARY}nosj.`, // right-to-left override
  `${CANARY}\u200b`, // zero-width space
  `${CANARY}\u0301`, // combining accent
  `\u0430${CANARY}`, // cyrillic a
  `\ud800${CANARY}`, // lone surrogate
  `${CANARY}\n`,
  ` ${CANARY} `,
  `${CANARY}/`,
  `${CANARY}.json`,
  `-${CANARY}`,
  `${CANARY.toUpperCase()}-UPPER`,
  `${CANARY}-${'a'.repeat(64)}`,
  'a'.repeat(65),
  `$(touch /tmp/${CANARY}-sh)`,
  `\`touch /tmp/${CANARY}-bt\``,
  `; touch /tmp/${CANARY}-semi`,
  `${CANARY}' OR '1'='1`,
  `{{7*7}}${CANARY}`,
  `<script>${CANARY}</script>`,
  '__proto__',
  'constructor',
  'prototype',
  'con',
  'aux.json',
  '.',
  '..',
  '',
  ' ',
];

/** JSON text spliced in as is: values too deep for JSON.stringify in this process. */
export class RawJson {
  constructor(readonly text: string) {}
}

export function deepJson(depth: number, kind: 'array' | 'object' | 'mixed'): RawJson {
  if (kind === 'array') return new RawJson(`${'['.repeat(depth)}"${CANARY}"${']'.repeat(depth)}`);
  if (kind === 'object') return new RawJson(`${'{"a":'.repeat(depth)}"${CANARY}"${'}'.repeat(depth)}`);
  return new RawJson(`${'[{"a":'.repeat(depth >> 1)}1${'}]'.repeat(depth >> 1)}`);
}

/** JSON.stringify that splices RawJson and never recurses deeper than the generated values. */
export function toJson(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(toJson).join(',')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${JSON.stringify(k)}:${toJson(v)}`)
      .join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 2, arbitrary: fc.string({ maxLength: 60 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.string({ maxLength: 8 }), fc.constantFrom(...HOSTILE_STRINGS), fc.string({ maxLength: 8 }))
      .map(([a, h, b]) => `${a}${h}${b}`),
  },
  // Huge: beyond every max length (a title is at most 500, a description 200,000 characters).
  { weight: 1, arbitrary: fc.integer({ min: 400, max: 400_000 }).map((n) => `${CANARY}${'x'.repeat(n)}`) },
);

export const deepValue: fc.Arbitrary<RawJson> = fc
  .tuple(fc.integer({ min: 50, max: 12_000 }), fc.constantFrom('array' as const, 'object' as const, 'mixed' as const))
  .map(([depth, kind]) => deepJson(depth, kind));

/** Anything a JSON body can hold, with the hostile strings and the very deep values mixed in. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.constantFrom(0, -1, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 5e-324) },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.array(hostileString, { maxLength: 60 }) },
  { weight: 1, arbitrary: fc.dictionary(hostileString, hostileString, { maxKeys: 4 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  { weight: 1, arbitrary: deepValue },
);
