/** What a measurement hands back, and how it is written as a table. */

export type Verdict = 'PASS' | 'MISS' | 'info' | 'skipped';

export interface Figure {
  /** What was measured, e.g. "start-up to ready, 10,000 tasks". */
  what: string;
  /** The figure itself, e.g. "median 812 ms (min 790 ms, max 850 ms; 5 runs)". */
  value: string;
  /** The budget from the issue, or "—". */
  budget: string;
  verdict: Verdict;
}

export interface MeasurementResult {
  id: string;
  title: string;
  figures: Figure[];
  /** Findings, causes of misses, caveats: one markdown paragraph or list item each. */
  notes: string[];
  /** Extra markdown (tables, breakdowns) for results.md. */
  details: string[];
  durationMs: number;
}

export interface Measurement {
  id: string;
  title: string;
  /** Upper bound for the whole measurement; past it the run is abandoned and reported as skipped. */
  timeoutMs: number;
  run(ctx: BenchContext): Promise<Omit<MeasurementResult, 'id' | 'title' | 'durationMs'>>;
}

export interface BenchContext {
  /** A scratch folder for this run (removed at the end). */
  tmp: string;
  /** Progress for the console. */
  log(line: string): void;
  /** Versions learnt while running (e.g. backlog.md), added to the machine section. */
  versions: Map<string, string>;
  /** Abort signal: set when the measurement ran out of time. */
  signal: AbortSignal;
  /** A committed repo with `count` generated task files, made once per run and shared: do not modify it. */
  sharedStudioRepo(count: number): Promise<string>;
}

/** A measurement that cannot run says so, with why, instead of failing the whole run. */
export class SkipError extends Error {
  override name = 'SkipError';
}

export function figure(what: string, value: string, budget: string, pass: boolean | null): Figure {
  return { what, value, budget, verdict: pass === null ? 'info' : pass ? 'PASS' : 'MISS' };
}

export function skippedFigure(what: string, reason: string, budget = '—'): Figure {
  return { what, value: `skipped: ${reason}`, budget, verdict: 'skipped' };
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const lines = [`| ${header.map(cell).join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`];
  for (const row of rows) lines.push(`| ${row.map(cell).join(' | ')} |`);
  return lines.join('\n');
}

/** The summary table: one row per figure. */
export function resultsTable(results: readonly MeasurementResult[]): string {
  const rows: string[][] = [];
  for (const r of results) {
    for (const f of r.figures) rows.push([r.title, f.what, f.value, f.budget, f.verdict === 'skipped' ? '—' : f.verdict]);
  }
  return markdownTable(['Measurement', 'What', 'Figure', 'Budget', 'Result'], rows);
}

/** A plain-text table for the terminal (same rows, aligned columns). */
export function consoleTable(results: readonly MeasurementResult[]): string {
  const rows: string[][] = [['Measurement', 'What', 'Figure', 'Budget', 'Result']];
  for (const r of results) {
    for (const f of r.figures) rows.push([r.title, f.what, f.value, f.budget, f.verdict === 'skipped' ? '—' : f.verdict]);
  }
  const widths = rows[0]!.map((_, i) => Math.min(70, Math.max(...rows.map((row) => row[i]!.length))));
  const fmt = (row: string[]) => row.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [fmt(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(fmt)].join('\n');
}
