/**
 * `npm run bench [-- --only startup,fanout] [-- --keep]`: runs the measurements, prints a table and
 * writes bench/results.md. Separate from `npm test`: figures depend on the machine. Each result is
 * also kept in bench/results.json, so a subset run replaces its own sections and keeps the others
 * (each section says when and at which commit it ran).
 */
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { activityTab } from './activity-tab.js';
import { apiLatency } from './api-latency.js';
import { backlogCompare } from './backlog-compare.js';
import { board } from './board.js';
import { createThroughput } from './create-throughput.js';
import { fanout } from './fanout.js';
import { handEdit } from './hand-edit.js';
import { makeStudioRepo } from './lib/fixtures.js';
import { machineInfo } from './lib/machine.js';
import { RESULTS_DATA_FILE, RESULTS_FILE, ROOT } from './lib/paths.js';
import { cpuSecondsOf, killAll } from './lib/processes.js';
import {
  type BenchContext,
  consoleTable,
  type Measurement,
  type MeasurementResult,
  markdownTable,
  resultsTable,
  SkipError,
} from './lib/report.js';
import { ms } from './lib/stats.js';
import { lifecycle } from './lifecycle.js';
import { realRepo } from './real-repo.js';
import { realRepoWarm } from './real-repo-warm.js';
import { startup } from './startup.js';

const MEASUREMENTS: Measurement[] = [
  startup,
  apiLatency,
  handEdit,
  fanout,
  createThroughput,
  lifecycle,
  board,
  backlogCompare,
  realRepo,
  realRepoWarm,
  activityTab,
];

/** CPU time in seconds: the whole machine (busy and stolen by the hypervisor), and this process with the children it reaped. */
function cpuSnapshot(): { busy: number; steal: number; ours: number; at: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  const self = cpuSecondsOf('self');
  return {
    busy: (user + nice + system + irq + softirq) / 100,
    steal: steal / 100,
    ours: self.own + self.reaped,
    at: performance.now(),
  };
}

/** Other work on the machine skews every figure: say how much CPU it took while this measurement ran. */
function loadNote(before: ReturnType<typeof cpuSnapshot>, after: ReturnType<typeof cpuSnapshot>): string {
  const seconds = (after.at - before.at) / 1000;
  const cores = os.availableParallelism();
  const others = Math.max(0, after.busy - before.busy - (after.ours - before.ours)) / seconds;
  const ours = (after.ours - before.ours) / seconds;
  const steal = (after.steal - before.steal) / seconds;
  const busy = others > 0.25 || steal > 0.1;
  return `CPU while this ran: the benchmark and the servers it started ${ours.toFixed(2)} cores on average, other processes on the machine ${others.toFixed(2)}${steal >= 0.01 ? `, stolen by the hypervisor ${steal.toFixed(2)}` : ''} (of ${cores})${busy ? ': **other work was competing for the CPU, so these figures are pessimistic**' : ''}.`;
}

function log(line: string): void {
  process.stderr.write(`[bench] ${line}\n`);
}

async function runOne(m: Measurement, base: Omit<BenchContext, 'signal' | 'log'>): Promise<MeasurementResult> {
  const started = performance.now();
  const cpuBefore = cpuSnapshot();
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const ctx: BenchContext = { ...base, signal: controller.signal, log: (line) => log(`${m.id}: ${line}`) };
  let result: MeasurementResult;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new SkipError(`did not finish within its ${ms(m.timeoutMs)} limit`));
      }, m.timeoutMs);
    });
    result = { id: m.id, title: m.title, ...(await Promise.race([m.run(ctx), timeout])), durationMs: 0 };
  } catch (err) {
    const reason = err instanceof SkipError ? err.message : `error: ${(err as Error).message.split('\n')[0]}`;
    log(`${m.id}: skipped: ${reason}`);
    if (!(err instanceof SkipError) && (err as Error).stack) log((err as Error).stack!);
    result = {
      id: m.id,
      title: m.title,
      figures: [{ what: 'all figures', value: `skipped: ${reason}`, budget: '—', verdict: 'skipped' }],
      notes: [],
      details: [],
      durationMs: 0,
    };
  } finally {
    clearTimeout(timer);
    controller.abort();
    await killAll();
  }
  result.durationMs = performance.now() - started;
  if (result.figures.some((f) => f.verdict !== 'skipped')) result.notes.push(loadNote(cpuBefore, cpuSnapshot()));
  return result;
}

/** A measurement's result as kept in results.json: with when, and at which commit, it ran. */
type KeptResult = MeasurementResult & { ranAt: string; commit: string };
type KeptResults = { results: KeptResult[]; versions: Record<string, string> };

async function readKept(): Promise<KeptResults> {
  try {
    return JSON.parse(await fs.readFile(RESULTS_DATA_FILE, 'utf8')) as KeptResults;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { results: [], versions: {} };
    throw new Error(
      `${path.relative(ROOT, RESULTS_DATA_FILE)} cannot be read (${(err as Error).message}); delete it and run the whole bench`,
    );
  }
}

/** This run's results over the kept ones, in the order of MEASUREMENTS. */
function merge(kept: KeptResults, fresh: KeptResult[], versions: Map<string, string>): KeptResults {
  const byId = new Map(kept.results.map((r) => [r.id, r]));
  for (const r of fresh) byId.set(r.id, r);
  const results = MEASUREMENTS.map((m) => byId.get(m.id)).filter((r): r is KeptResult => r !== undefined);
  return { results, versions: { ...kept.versions, ...Object.fromEntries(versions) } };
}

function renderResults(all: KeptResults, machineRows: Array<[string, string]>, only: string[] | null, totalMs: number): string {
  const machine = [...machineRows, ...Object.entries(all.versions)];
  const results = all.results;
  const out = [
    '# Benchmark results',
    '',
    `Written by \`npm run bench\`${only ? ` (subset: \`--only ${only.join(',')}\`; the other sections are kept from earlier runs)` : ''} on ${new Date().toISOString()}, in ${ms(totalMs)}.`,
    'Figures are medians and p99 over the samples said (or min/median/max over repeated runs); PASS/MISS compares them with the budgets set in the issues.',
    `Run it with \`npm run bench\` (builds first), or a subset with \`npm run bench -- --only ${MEASUREMENTS.map((m) => m.id).join(',')}\`. The machine is shared: each section says how much CPU other processes took while it ran.`,
    '',
    '## Machine',
    '',
    markdownTable(['', ''], machine),
    '',
    '## Results',
    '',
    resultsTable(results),
    '',
  ];
  const misses = results.flatMap((r) => r.figures.filter((f) => f.verdict === 'MISS').map((f) => `${r.title}: ${f.what}`));
  if (misses.length) {
    out.push('## Misses', '', ...misses.map((m) => `- ${m}`), '', 'Causes are in the section of each measurement below.', '');
  }
  for (const r of results) {
    out.push(`## ${r.title}`, '', `Ran in ${ms(r.durationMs)} on ${r.ranAt} (commit ${r.commit}).`, '');
    for (const note of r.notes) out.push(`- ${note}`);
    if (r.notes.length) out.push('');
    for (const d of r.details) out.push(d, '');
  }
  return `${out.join('\n').trimEnd()}\n`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { only: { type: 'string' }, keep: { type: 'boolean' }, list: { type: 'boolean' } },
    allowPositionals: false,
  });
  if (values.list) {
    for (const m of MEASUREMENTS) process.stdout.write(`${m.id}\t${m.title}\n`);
    return;
  }
  const only = values.only
    ? values.only
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : null;
  const unknown = only?.filter((id) => !MEASUREMENTS.some((m) => m.id === id)) ?? [];
  if (unknown.length)
    throw new Error(`unknown measurement(s): ${unknown.join(', ')}; known: ${MEASUREMENTS.map((m) => m.id).join(', ')}`);
  const selected = only ? MEASUREMENTS.filter((m) => only.includes(m.id)) : MEASUREMENTS;

  const tmp = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'studio-bench-')));
  // The studios' start-up task caches go with the run, not into the user's ~/.cache.
  process.env.XDG_CACHE_HOME = path.join(tmp, 'xdg-cache');
  const repos = new Map<number, Promise<string>>();
  const base: Omit<BenchContext, 'signal' | 'log'> = {
    tmp,
    versions: new Map(),
    sharedStudioRepo(count) {
      let repo = repos.get(count);
      if (!repo) {
        log(`generating a repo with ${count} task files`);
        repo = makeStudioRepo(path.join(tmp, `shared-${count}`), count).then((r) => r.repo);
        repos.set(count, repo);
      }
      return repo;
    },
  };
  const stop = () => {
    void killAll().finally(() => process.exit(130));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  const started = performance.now();
  // The machine and the code measured, read before the run: a commit made while it runs is not what ran.
  const machineRows = machineInfo();
  const commit =
    machineRows
      .find(([key]) => key === 'opencode-studio')?.[1]
      .replace(/^.*\(commit /, '')
      .replace(/\)$/, '') ?? '?';
  const results: MeasurementResult[] = [];
  log(`running ${selected.map((m) => m.id).join(', ')} in ${tmp}`);
  try {
    for (const m of selected) {
      log(`${m.id}: starting`);
      const result = await runOne(m, base);
      log(`${m.id}: done in ${ms(result.durationMs)}`);
      results.push(result);
    }
  } finally {
    await killAll();
    if (!values.keep) await fs.rm(tmp, { recursive: true, force: true });
    else log(`kept ${tmp}`);
  }
  const ranAt = new Date().toISOString();
  const all = merge(
    only ? await readKept() : { results: [], versions: {} },
    results.map((r) => ({ ...r, ranAt, commit })),
    base.versions,
  );
  await fs.writeFile(RESULTS_DATA_FILE, `${JSON.stringify(all, null, 2)}\n`);
  await fs.writeFile(RESULTS_FILE, renderResults(all, machineRows, only, performance.now() - started));
  process.stdout.write(`\n${consoleTable(results)}\n\nWrote ${path.relative(ROOT, RESULTS_FILE)}\n`);
}

main().catch(async (err: unknown) => {
  await killAll();
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
