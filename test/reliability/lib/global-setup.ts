import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { type ResultRow, SECTIONS } from './results.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const OUT_DIR = path.join(ROOT, 'test-results', 'reliability');
/** One file per run: two runs at once (two people, or CI beside a person) must not mix their rows. */
const RESULTS = path.join(OUT_DIR, `results-${process.pid}.jsonl`);
const REPORT = path.join(ROOT, 'bench', 'reliability.md');
const PARTIAL_REPORT = path.join(OUT_DIR, 'reliability.md');

/**
 * Every reliability test appends rows to one JSON lines file; once all files ran, the rows
 * become bench/reliability.md. A run of only some files writes its report beside the rows
 * instead, so the committed report always covers the whole suite.
 */
export default function setup(project: TestProject) {
  mkdirSync(OUT_DIR, { recursive: true });
  // Rows of earlier runs that have ended are dropped; a run still going keeps its own file.
  for (const name of readdirSync(OUT_DIR)) {
    const pid = Number(/^results-(\d+)\.jsonl$/.exec(name)?.[1]);
    if (pid && !isRunning(pid)) rmSync(path.join(OUT_DIR, name), { force: true });
  }
  rmSync(RESULTS, { force: true });
  project.provide('reliabilityResults', RESULTS);
  const started = Date.now();
  return () => {
    const rows = readRows();
    const files = readdirSync(path.join(ROOT, 'test', 'reliability')).filter((f) => f.endsWith('.test.ts'));
    const reported = new Set(rows.map((r) => r.file));
    const complete = files.every((f) => reported.has(f));
    const target = complete || process.env.RELIABILITY_REPORT === 'bench' ? REPORT : PARTIAL_REPORT;
    writeFileSync(target, render(rows, Date.now() - started, files, reported));
    console.log(`reliability report: ${path.relative(ROOT, target)}${complete ? '' : ' (not every file ran)'}`);
  };
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readRows(): ResultRow[] {
  if (!existsSync(RESULTS)) return [];
  return readFileSync(RESULTS, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as ResultRow);
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function formatFigures(figures: ResultRow['figures']): string {
  return Object.entries(figures)
    .map(([k, v]) => `${k}: ${typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(1) : String(v)}`)
    .join('; ');
}

function minutes(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`;
}

export function render(rows: ResultRow[], totalMs: number, files: string[], reported: Set<string>): string {
  const passed = rows.filter((r) => r.result === 'pass').length;
  const lines = [
    '# Reliability and security',
    '',
    'Written by `npm run test:reliability` (test/reliability/, vitest.reliability.config.ts); do not edit by hand.',
    '',
    `- Run: ${new Date().toISOString()}, Node ${process.version}, ${os.platform()} ${os.arch()}, ${os.cpus().length} CPUs, ${Math.round(os.totalmem() / 2 ** 30)} GB RAM`,
    `- Whole suite: ${minutes(totalMs)}; ${passed} of ${rows.length} checks passed`,
    `- Soak duration (RELIABILITY_SOAK_MS): ${process.env.RELIABILITY_SOAK_MS ?? '300000 (default)'}`,
  ];
  const missing = files.filter((f) => !reported.has(f));
  if (missing.length) lines.push(`- Files that reported nothing: ${missing.join(', ')}`);
  for (const section of SECTIONS) {
    const inSection = rows.filter((r) => r.section === section);
    if (inSection.length === 0) continue;
    lines.push('', `## ${section}`, '', '| Check | Runs | Figures | Result |', '| --- | ---: | --- | --- |');
    for (const r of inSection) {
      const result = r.result === 'pass' ? 'pass' : `**FAIL**: ${cell(r.failure ?? '')}`;
      lines.push(
        `| ${cell(r.check)} | ${r.runs} | ${cell(formatFigures(r.figures))}; time: ${minutes(r.durationMs)} | ${result} |`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
