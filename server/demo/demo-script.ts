import path from 'node:path';
import type { AgentPhase } from '../../shared/task.js';
import type { Responder, ScriptRequest, ScriptTurn } from './scripted-model.js';

/**
 * The scripted "model" of the product demo: it plans, writes a notes file, asks for one change
 * in its first review, fixes it, then approves, with pauses so a person can watch the board.
 */

export type DemoPhase = { phase: AgentPhase | null; taskId: string; title: string };

/**
 * The demo model reads the prompt as a model would: the phase from the sections each built-in
 * prompt has (server/orchestrator/prompts.ts; first match wins: a fix prompt quotes a review),
 * the title from its "# Task:" heading, the task id from the working directory OpenCode names
 * in its system prompt (a task's worktree folder is named after it).
 */
const PHASE_SECTIONS: ReadonlyArray<readonly [AgentPhase, RegExp]> = [
  ['conflicts', /^# Files with conflicts$/m],
  ['fix', /^# Review$/m],
  ['review', /^# Diff of the task branch/m],
  ['implementation', /^# Plan \(approved/m],
  ['planning', /^# Task: /m],
];

export function phaseOf(req: ScriptRequest): DemoPhase {
  const directory = /^\s*Working directory: (.+?)\s*$/m.exec(req.system)?.[1];
  const title = /^# Task: (.+?)\s*$/m.exec(req.userText)?.[1] ?? 'the task';
  const folder = directory ? path.basename(directory) : 'task';
  // A task that started in a warm slot works in a neutral folder (slot-3): name its notes after the title.
  const slug =
    title
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'task';
  return {
    phase: PHASE_SECTIONS.find(([, section]) => section.test(req.userText))?.[0] ?? null,
    taskId: /^slot-\d+$/.test(folder) ? slug : folder,
    title,
  };
}

export const demoResponder: Responder = async (req) => {
  if (req.isTitleRequest) return { text: 'Demo task' };
  const p = phaseOf(req);
  const turn = demoTurn(p, req);
  return { ...turn, delayMs: 150 + Math.floor(Math.random() * 250) };
};

function demoTurn(p: DemoPhase, req: ScriptRequest): ScriptTurn {
  const file = `notes/${p.taskId}.md`;
  const steps = req.toolResults.length;
  switch (p.phase) {
    case 'planning':
      return {
        text: [
          `## Plan`,
          '',
          `1. Create \`${file}\` describing "${p.title}".`,
          '2. List the open questions and the next steps in it.',
          '3. Keep the change small: no other file is touched.',
        ].join('\n'),
      };
    case 'implementation':
      if (steps === 0) return { toolCalls: [{ name: 'write', args: { filePath: file, content: notesFile(p) } }] };
      return { text: `Created \`${file}\` with a summary of "${p.title}" and its next steps.` };
    case 'review':
      // A real review: changes are requested until the diff shows how to verify the notes.
      if (!req.userText.includes(VERIFY_LINE)) {
        return {
          text: [
            '## Review',
            '',
            `The notes in \`${file}\` follow the plan, but they do not say how to check the result.`,
            '',
            '- Add a "How to verify" line.',
            '',
            'VERDICT: CHANGES_REQUESTED',
          ].join('\n'),
        };
      }
      return {
        text: [
          '## Review',
          '',
          `\`${file}\` now covers the plan and says how to verify it. Nothing else changed.`,
          '',
          'VERDICT: APPROVED',
        ].join('\n'),
      };
    case 'fix':
      if (steps === 0) {
        return {
          toolCalls: [
            { name: 'edit', args: { filePath: file, oldString: LAST_LINE, newString: `${LAST_LINE}\n${VERIFY_LINE}` } },
          ],
        };
      }
      // The edit fails when the file was changed by hand or never written: write it whole.
      if (steps === 1 && !/success/i.test(req.toolResults[0] ?? '')) {
        return { toolCalls: [{ name: 'write', args: { filePath: file, content: `${notesFile(p)}${VERIFY_LINE}\n` } }] };
      }
      return { text: `Added a "How to verify" line to \`${file}\`.` };
    case 'conflicts': {
      const files = conflictedFiles(req.userText);
      if (steps === 0 && files.length > 0)
        return { toolCalls: [{ name: 'bash', args: { command: keepBothSides(files), description: 'Keep both sides' } }] };
      return { text: `Kept both sides in ${files.join(', ') || 'no file'}.` };
    }
    default:
      return { text: 'This is the OpenCode Studio demo model: it only follows the studio phases.' };
  }
}

/** The files the conflicts prompt lists under its "Files with conflicts" heading. */
export function conflictedFiles(prompt: string): string[] {
  const section = /^# Files with conflicts\n((?:- .+\n?)+)/m.exec(prompt)?.[1] ?? '';
  return section
    .split('\n')
    .filter((line) => line.startsWith('- '))
    .map((line) => line.slice(2).trim());
}

/** A shell command that resolves every conflict by keeping both sides: it drops the marker lines. */
function keepBothSides(files: string[]): string {
  const quoted = files.map((f) => `'${f.replace(/'/g, `'\\''`)}'`).join(' ');
  return `sed -i -e '/^<<<<<<< /d' -e '/^=======$/d' -e '/^>>>>>>> /d' -- ${quoted}`;
}

const LAST_LINE = '- Review these notes.';
const VERIFY_LINE = '- How to verify: open this file and check that it names the task.';

function notesFile(p: DemoPhase): string {
  return [`# ${p.title}`, '', 'Written by the OpenCode Studio demo model.', '', '## Next steps', '', LAST_LINE, ''].join('\n');
}
