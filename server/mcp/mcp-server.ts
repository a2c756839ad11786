import path from 'node:path';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { callOperation } from '../access/call.js';
import { agentPrincipal } from '../access/connect.js';
import { type Operation, operationsFor } from '../access/operations.js';
import { openRepo } from '../git/repo.js';
import { AGENT_TOKEN_ENV, agentTaskOf } from '../orchestrator/agent-credentials.js';
import { STUDIO_VERSION } from '../version.js';

const INSTRUCTIONS = `Tools for the OpenCode Studio kanban board of one git repository (tasks in .opencode-studio/).
A task goes todo → planning → plan_review → in_progress → ai_review → review → done.
When a studio runs for the repo, every change shows on its board at once; without one, the read and
write tools work on the files, and the agent actions (start, approve, merge, abort, retry, request
changes, diff) fail with reason studio-not-running. A failed call answers the studio's message.
To split a large task, create follow-up tasks with task_create and parent set to its id.`;

const AGENT_INSTRUCTIONS = (taskId: string) => `${INSTRUCTIONS}
You are an agent session of the studio working on the task ${taskId}. You may read the board, create
follow-up tasks (they always become follow-ups of ${taskId}, land in Todo and are not started) and
comment on the diff of ${taskId}. Starting, approving, requesting changes, merging, moving, updating
or deleting tasks is for a person: the studio refuses it with reason agent-not-allowed.`;

/**
 * Whose tools: `person` (a client the user configured, the full set), `read-only` (the read
 * tools), `agent` (one of the studio's own sessions, bound to its task by the credential in its
 * environment: the read tools, follow-ups and comments on its own task).
 */
export type McpMode = 'person' | 'read-only' | 'agent';

/** The MCP server over the board of `dir`: one tool per operation, each call checks again whether a studio runs. */
export function createMcpServer(dir: string, mode: McpMode = 'person'): McpServer {
  const taskId = mode === 'agent' ? agentTaskOf(process.env[AGENT_TOKEN_ENV] ?? '') : null;
  const instructions = taskId ? AGENT_INSTRUCTIONS(taskId) : INSTRUCTIONS;
  const server = new McpServer({ name: 'opencode-studio', version: STUDIO_VERSION }, { instructions });
  // One call at a time: without a studio each call opens the store, and two opens at once could
  // clear each other's temp files.
  let queue: Promise<unknown> = Promise.resolve();
  for (const op of operationsFor(mode))
    server.registerTool(op.name, { description: op.description, inputSchema: op.input }, (input: unknown) => {
      const next = queue.then(() => runTool(dir, op, input));
      queue = next.catch(() => undefined);
      return next;
    });
  return server;
}

async function runTool(dir: string, op: Operation, input: unknown): Promise<CallToolResult> {
  const outcome = await callOperation(dir, op, input);
  if (!outcome.ok)
    return {
      isError: true,
      content: [{ type: 'text', text: outcome.message }],
      structuredContent: { error: { message: outcome.message, reason: outcome.reason } },
    };
  const result = outcome.result;
  const structured = Array.isArray(result) ? { [op.listKey ?? 'items']: result } : (result as Record<string, unknown>);
  return { content: [{ type: 'text', text: op.text(result) }], structuredContent: structured };
}

export async function runMcp(dir: string, options: { readOnly?: boolean } = {}): Promise<number> {
  // Fail at once on a wrong directory or credential, so a client's config mistake shows in its MCP log.
  const repo = await openRepo(path.resolve(dir));
  const token = process.env[AGENT_TOKEN_ENV];
  if (token) agentPrincipal(token);
  // --read-only narrows whatever the caller is; an agent's credential never widens to the person's set.
  const server = createMcpServer(repo.root, options.readOnly ? 'read-only' : token ? 'agent' : 'person');
  const closed = new Promise<void>((resolve) => {
    server.server.onclose = () => resolve();
  });
  await server.connect(new StdioServerTransport());
  await closed;
  return 0;
}
