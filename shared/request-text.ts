import type { AgentRequest } from './requests.js';

/**
 * One line for a card, a notification or the activity log, e.g. `bash: npm test`.
 * No zod here: the board imports this file.
 */
export function describeRequest(r: Pick<AgentRequest, 'kind' | 'permission' | 'patterns' | 'questions'>): string {
  if (r.kind === 'question') return `question: ${r.questions?.[0]?.question ?? 'the agent asks something'}`;
  const what = r.patterns?.length ? `: ${r.patterns.join(', ')}` : '';
  return `${r.permission ?? 'permission'}${what}`;
}
