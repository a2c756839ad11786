import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { TaskId } from '../../shared/task.js';

/** The environment variable that carries an agent's credential to the studio's MCP server (and the task CLI). */
export const AGENT_TOKEN_ENV = 'OPENCODE_STUDIO_AGENT_TOKEN';

const PREFIX = 'agent.';

/**
 * Credentials for the studio's own agent sessions: each is bound to one task, signed with a
 * secret of this run of the studio. The studio hands one to the MCP server it gives a task's
 * session; the HTTP edge turns it into the principal `agent(taskId)`, never `person`.
 */
export class AgentCredentials {
  readonly #secret = randomBytes(32);

  issue(taskId: string): string {
    return `${PREFIX}${taskId}.${this.#mac(taskId)}`;
  }

  /** The task a credential is bound to, or null when it is not one this studio issued. */
  taskOf(candidate: string): string | null {
    const taskId = agentTaskOf(candidate);
    if (taskId === null) return null;
    const given = Buffer.from(candidate.slice(PREFIX.length + taskId.length + 1));
    const wanted = Buffer.from(this.#mac(taskId));
    return given.length === wanted.length && timingSafeEqual(given, wanted) ? taskId : null;
  }

  #mac(taskId: string): string {
    return createHmac('sha256', this.#secret).update(taskId).digest('base64url');
  }
}

/** The task named in an agent credential (unchecked: only the studio that issued it can check it). */
export function agentTaskOf(credential: string): string | null {
  if (!credential.startsWith(PREFIX)) return null;
  const rest = credential.slice(PREFIX.length);
  const dot = rest.lastIndexOf('.');
  const taskId = dot > 0 ? rest.slice(0, dot) : '';
  return TaskId.safeParse(taskId).success ? taskId : null;
}
