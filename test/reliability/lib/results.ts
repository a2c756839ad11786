import { appendFileSync } from 'node:fs';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** JSON lines file that every reliability check appends its row to (see global-setup.ts). */
    reliabilityResults: string;
  }
}

/** The sections of bench/reliability.md, in the order they are rendered. */
export const SECTIONS = [
  'Crash safety',
  'Concurrent writers',
  'Bad input',
  'Malformed files',
  'Security',
  'Agent faults',
  'Full disk / read-only / no permission',
  'World faults',
  'Stalled and failing models',
  'Load',
  'Hours-long sessions',
] as const;
export type Section = (typeof SECTIONS)[number];

export type Figure = string | number | boolean;

export interface ResultRow {
  section: Section;
  check: string;
  runs: number;
  figures: Record<string, Figure>;
  result: 'pass' | 'fail';
  /** The first line of the failure, when it failed. */
  failure?: string;
  durationMs: number;
  file: string;
}

export interface Measure {
  runs: number;
  figure(name: string, value: Figure): void;
  figures: Record<string, Figure>;
}

/**
 * Run one check and append its row (pass or fail, with its figures) to the results file. The
 * figures recorded before a failure are kept, so a failing row still says how far it got.
 */
export async function measure(
  section: Section,
  check: string,
  work: (m: Measure) => Promise<void>,
  file = callerFile(),
): Promise<void> {
  const started = Date.now();
  const m: Measure = {
    runs: 1,
    figures: {},
    figure(name, value) {
      m.figures[name] = value;
    },
  };
  let failure: string | undefined;
  try {
    await work(m);
  } catch (err) {
    failure = (err instanceof Error ? err.message : String(err)).split('\n').find((l) => l.trim()) ?? 'failed';
    throw err;
  } finally {
    const row: ResultRow = {
      section,
      check,
      runs: m.runs,
      figures: m.figures,
      result: failure === undefined ? 'pass' : 'fail',
      ...(failure === undefined ? {} : { failure: failure.slice(0, 300) }),
      durationMs: Date.now() - started,
      file,
    };
    appendFileSync(inject('reliabilityResults'), `${JSON.stringify(row)}\n`);
  }
}

function callerFile(): string {
  const stack = new Error().stack ?? '';
  const match = /test\/reliability\/([\w.-]+\.test\.ts)/.exec(stack);
  return match?.[1] ?? 'unknown';
}

export { rng } from '../../helpers/rng.js';

export function seedFromEnv(): number {
  const fromEnv = Number(process.env.RELIABILITY_SEED);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : Math.floor(Math.random() * 2 ** 31);
}

export const percentile = (values: number[], p: number): number => {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};
