import type { CheckState, ChecksSummary, PullRequestCheck } from '../../shared/github.js';

/** The fields of a check run (GET /repos/{owner}/{repo}/commits/{ref}/check-runs) that the card needs. */
export interface CheckRunView {
  name: string;
  status: string;
  conclusion: string | null;
  html_url?: string | null;
  details_url?: string | null;
  output?: { title?: string | null; summary?: string | null } | null;
}

/** The fields of a commit status (GET /repos/{owner}/{repo}/commits/{ref}/status) that the card needs. */
export interface StatusView {
  context: string;
  state: string;
  target_url?: string | null;
  description?: string | null;
}

const PASSING_CONCLUSIONS = new Set(['success', 'neutral', 'skipped']);
const SUMMARY_MAX = 2_000;

function runState(run: CheckRunView): CheckState {
  if (run.status !== 'completed') return 'pending';
  return PASSING_CONCLUSIONS.has(run.conclusion ?? '') ? 'passing' : 'failing';
}

function statusState(status: StatusView): CheckState {
  if (status.state === 'success') return 'passing';
  return status.state === 'pending' ? 'pending' : 'failing';
}

function shorten(text: string | null | undefined): string | null {
  const t = text?.trim();
  if (!t) return null;
  return t.length > SUMMARY_MAX ? `${t.slice(0, SUMMARY_MAX)}…` : t;
}

/** Check runs and commit statuses of one commit as one list, and their sum: failing beats pending beats passing. */
export function summarizeChecks(runs: CheckRunView[], statuses: StatusView[]): ChecksSummary {
  const items: PullRequestCheck[] = [
    ...runs.map((r) => ({
      name: r.name,
      state: runState(r),
      url: r.html_url ?? r.details_url ?? null,
      summary: shorten([r.output?.title, r.output?.summary].filter(Boolean).join('\n')),
    })),
    ...statuses.map((s) => ({
      name: s.context,
      state: statusState(s),
      url: s.target_url ?? null,
      summary: shorten(s.description),
    })),
  ].slice(0, 200);
  const state = items.some((c) => c.state === 'failing')
    ? 'failing'
    : items.some((c) => c.state === 'pending')
      ? 'pending'
      : items.length
        ? 'passing'
        : 'none';
  return { state, items };
}

/** The feedback for the fix phase: each failing check's name and what it said. */
export function failingChecksFeedback(checks: ChecksSummary): string {
  const failing = checks.items.filter((c) => c.state === 'failing');
  const lines = failing.map((c) => `- ${c.name}${c.url ? ` (${c.url})` : ''}${c.summary ? `:\n${indent(c.summary)}` : ''}`);
  return `These checks fail on the pull request; make them pass:\n${lines.join('\n')}`;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
}
