import type { AgentPhase } from '../../shared/task.js';
import type { Responder, ScriptRequest, ScriptTurn } from './scripted-model.js';

/**
 * The scripted "model" of the product demo: it plans, writes a notes file, asks for one change
 * in its first review, fixes it, then approves, with pauses so a person can watch the board.
 */

export type DemoPhase = { phase: AgentPhase | null; taskId: string; title: string; iteration: number };

const PHASES: readonly AgentPhase[] = ['planning', 'implementation', 'review', 'fix'];

export function phaseOf(req: ScriptRequest): DemoPhase {
  const text = `${req.userText}\n${req.system}`;
  const field = (name: string) => new RegExp(`^\\s*Studio-${name}:\\s*(.+?)\\s*$`, 'm').exec(text)?.[1] ?? null;
  const phase = field('Phase');
  const iteration = Number.parseInt(field('Iteration') ?? '0', 10);
  return {
    phase: PHASES.find((p) => p === phase) ?? null,
    taskId: field('Task') ?? 'task',
    title: field('Title') ?? 'the task',
    iteration: Number.isNaN(iteration) ? 0 : iteration,
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
      if (p.iteration === 0) {
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
    default:
      return { text: 'This is the OpenCode Studio demo model: it only follows the studio phases.' };
  }
}

const LAST_LINE = '- Review these notes.';
const VERIFY_LINE = '- How to verify: open this file and check that it names the task.';

function notesFile(p: DemoPhase): string {
  return [`# ${p.title}`, '', 'Written by the OpenCode Studio demo model.', '', '## Next steps', '', LAST_LINE, ''].join('\n');
}
