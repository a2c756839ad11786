import type { ActivityEntry } from '../../shared/activity.js';
import type { ProjectInfo, TaskDetail, TaskDiff } from '../../shared/api.js';
import { STATUS_TITLES, type Task } from '../../shared/task.js';

/** Plain text for a person at a terminal and for an agent reading a tool's answer. */

export function taskLine(task: Task): string {
  const run = task.run ? ` [${task.run.phase} ${task.run.state}]` : '';
  return `${task.id}  ${STATUS_TITLES[task.status]}${run}  ${task.title}`;
}

export function taskTable(tasks: Task[]): string {
  if (tasks.length === 0) return 'No tasks.';
  const rows = tasks.map((t) => [
    t.id,
    STATUS_TITLES[t.status] + (t.run ? ` (${t.run.state})` : ''),
    t.labels.join(','),
    t.title + (t.parent ? ` (follow-up of ${t.parent})` : ''),
  ]);
  const all = [['ID', 'STATUS', 'LABELS', 'TITLE'], ...rows];
  const widths = [0, 1, 2].map((col) => Math.max(...all.map((row) => row[col]!.length)));
  return all.map((row) => row.map((cell, col) => (col < 3 ? cell.padEnd(widths[col]!) : cell)).join('  ')).join('\n');
}

export function taskDetail({ task, plan, review }: TaskDetail): string {
  const fields: Array<[string, string | null | undefined]> = [
    ['id', task.id],
    ['title', task.title],
    ['status', STATUS_TITLES[task.status]],
    ['labels', task.labels.join(', ') || null],
    ['parent', task.parent],
    ['branch', task.branch],
    ['run', task.run ? `${task.run.phase} ${task.run.state}${task.run.activity ? `: ${task.run.activity}` : ''}` : null],
    ['verdict', task.verdict],
    ['error', task.error],
    ['updated', task.updatedAt],
  ];
  const lines = fields.filter(([, v]) => v).map(([k, v]) => `${`${k}:`.padEnd(9)}${v}`);
  const sections = [lines.join('\n')];
  if (task.description.trim()) sections.push(`# Description\n${task.description.trim()}`);
  sections.push(`# Plan\n${plan?.trim() || '(no plan yet)'}`);
  if (review?.trim()) sections.push(`# Review\n${review.trim()}`);
  return sections.join('\n\n');
}

export function diffText(diff: TaskDiff): string {
  const files = diff.files.map((f) => `${f.status.padEnd(9)}${f.path}  +${f.additions} -${f.deletions}`);
  return [`${diff.base}..${diff.head}`, ...files, '', diff.patch].join('\n');
}

export function activityText(entries: ActivityEntry[]): string {
  if (entries.length === 0) return 'No activity.';
  return entries
    .map((e) => {
      const what =
        e.kind === 'phase'
          ? `${e.state}${e.message ? `: ${e.message}` : ''}`
          : e.kind === 'tool'
            ? `${e.tool} ${e.state}: ${e.title}`
            : e.kind === 'step'
              ? `step: ${e.tokens} tokens`
              : e.kind === 'text' || e.kind === 'note'
                ? e.text.replace(/\s+/g, ' ').slice(0, 200)
                : e.kind === 'setup'
                  ? `setup ${e.step}/${e.of} ${e.state}${e.exitCode ? ` (exit ${e.exitCode})` : ''}: ${e.command}`
                  : e.kind === 'output'
                    ? e.text.trimEnd().split('\n').slice(-3).join(' | ').slice(0, 200)
                    : `error: ${e.message}`;
      return `${e.at}  ${('phase' in e ? e.phase : 'studio').padEnd(14)}${what}`;
    })
    .join('\n');
}

export function projectText(info: ProjectInfo): string {
  const lines = [
    `${info.name} (${info.root}), studio ${info.version}`,
    `branch ${info.branch ?? '(detached)'}, base branch ${info.baseBranch}`,
    `agent: ${info.opencode.state}${info.opencode.reason ? ` (${info.opencode.reason})` : ''}`,
    `settings that need trust: ${info.trust.state === 'not-needed' ? 'none' : `${info.trust.settings.map((s) => s.key).join(', ')} (${info.trust.state})`}`,
    ...info.problems.map((p) => `problem: ${p.path}: ${p.reason}`),
  ];
  return lines.join('\n');
}
