import type { OpencodeClient, PermissionRuleset } from '@opencode-ai/sdk/v2';
import type { PermissionPolicy } from '../../shared/config.js';
import type { AgentRequest, RequestOutcome } from '../../shared/requests.js';
import type { OpencodeEvent } from './event-stream.js';

/** A request as OpenCode raised it, before the studio knows which task it belongs to. */
export type AskedRequest = Omit<AgentRequest, 'taskId'> & { sessionId: string };

/** What a session tells its listener about requests: one asked, one answered elsewhere, or the run is over. */
export type RequestSignal =
  | { type: 'asked'; request: AskedRequest }
  | { type: 'replied'; requestId: string; outcome: RequestOutcome }
  | { type: 'ended' };

/** Reads a `permission.asked` or `question.asked` event; null for any other event. */
export function askedRequest(event: OpencodeEvent): AskedRequest | null {
  const askedAt = new Date().toISOString();
  if (event.type === 'permission.asked') {
    const { id, sessionID, permission, patterns, metadata } = event.properties;
    return { id, sessionId: sessionID, kind: 'permission', permission, patterns, metadata, askedAt };
  }
  if (event.type === 'question.asked') {
    const { id, sessionID, questions } = event.properties;
    return { id, sessionId: sessionID, kind: 'question', questions, askedAt };
  }
  return null;
}

/** The request a `permission.replied`, `question.replied` or `question.rejected` event closes, and how. */
export function repliedRequest(event: OpencodeEvent): Extract<RequestSignal, { type: 'replied' }> | null {
  if (event.type === 'permission.replied')
    return { type: 'replied', requestId: event.properties.requestID, outcome: event.properties.reply };
  if (event.type === 'question.replied') return { type: 'replied', requestId: event.properties.requestID, outcome: 'answered' };
  if (event.type === 'question.rejected') return { type: 'replied', requestId: event.properties.requestID, outcome: 'dismissed' };
  return null;
}

/**
 * opencode.json's `permission` shape as the ruleset `POST /session` takes. OpenCode applies the
 * last matching rule, so a tool's catch-all comes first and its patterns after it, as written.
 */
export function permissionRules(policy: PermissionPolicy | null): PermissionRuleset | undefined {
  if (policy === null) return undefined;
  if (typeof policy === 'string') return [{ permission: '*', pattern: '*', action: policy }];
  return Object.entries(policy).flatMap(([permission, rule]) =>
    typeof rule === 'string'
      ? [{ permission, pattern: '*', action: rule }]
      : Object.entries(rule).map(([pattern, action]) => ({ permission, pattern, action })),
  );
}

/** Answers and lists an agent's pending requests. Each answer says whether the agent still had the request. */
export interface RequestAnswers {
  reply(directory: string, requestID: string, reply: 'once' | 'always' | 'reject', message?: string): Promise<boolean>;
  answer(directory: string, requestID: string, answers: string[][]): Promise<boolean>;
  dismiss(directory: string, requestID: string): Promise<boolean>;
}

/** OpenCode's pending requests, over its HTTP API. */
export class RequestChannel implements RequestAnswers {
  constructor(private readonly client: OpencodeClient) {}

  async reply(directory: string, requestID: string, reply: 'once' | 'always' | 'reject', message?: string): Promise<boolean> {
    const res = await this.client.permission.reply({ requestID, directory, reply, ...(message ? { message } : {}) });
    return found(res.response, 'answer the permission request');
  }

  async answer(directory: string, requestID: string, answers: string[][]): Promise<boolean> {
    const res = await this.client.question.reply({ requestID, directory, answers });
    return found(res.response, 'answer the question');
  }

  async dismiss(directory: string, requestID: string): Promise<boolean> {
    const res = await this.client.question.reject({ requestID, directory });
    return found(res.response, 'dismiss the question');
  }

  /** The requests OpenCode still holds for one session (after a studio restart). */
  async pending(directory: string, sessionId: string): Promise<AskedRequest[]> {
    const [permissions, questions] = await Promise.all([
      this.client.permission.list({ directory }),
      this.client.question.list({ directory }),
    ]);
    const askedAt = new Date().toISOString();
    return [
      ...(permissions.data ?? []).map(
        (p): AskedRequest => ({
          id: p.id,
          sessionId: p.sessionID,
          kind: 'permission',
          permission: p.permission,
          patterns: p.patterns,
          metadata: p.metadata,
          askedAt,
        }),
      ),
      ...(questions.data ?? []).map(
        (q): AskedRequest => ({ id: q.id, sessionId: q.sessionID, kind: 'question', questions: q.questions, askedAt }),
      ),
    ].filter((r) => r.sessionId === sessionId);
  }
}

function found(response: Response | undefined, what: string): boolean {
  if (response?.ok) return true;
  if (response?.status === 404) return false;
  throw new Error(`OpenCode could not ${what}: HTTP ${response?.status ?? 'no response'}`);
}
