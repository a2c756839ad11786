import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, describe, expect, it } from 'vitest';
import { AGENT_TOKEN_ENV } from '../../server/orchestrator/agent-credentials.js';
import { BUILT_CLI } from '../helpers/cli.js';
import { startStudio, stopStudios } from '../helpers/studio.js';
import { removeTempDirs } from '../helpers/temp-repo.js';

afterAll(async () => {
  await stopStudios();
  await removeTempDirs();
});

/** The MCP SDK's own client over stdio against the built CLI, with extra arguments and environment. */
async function connect(args: string[], env: Record<string, string> = {}): Promise<Client> {
  const client = new Client({ name: 'studio-test', version: '1.0.0' });
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BUILT_CLI, 'mcp', ...args],
    env: { ...(process.env as Record<string, string>), ...env },
    stderr: 'pipe',
  });
  await client.connect(transport);
  return client;
}

const READ_TOOLS = ['plan_get', 'project_info', 'task_activity', 'task_diff', 'task_get', 'task_list'];

describe('which MCP server is which', () => {
  it('--read-only offers the read tools; an agent credential gets the read tools, task_create and task_comment, bound to its task', async () => {
    const { root, client, studio } = await startStudio();
    const own = await client.tasks.create.mutate({ title: 'Own' });
    const other = await client.tasks.create.mutate({ title: 'Other' });

    const full = await connect([root]);
    const readOnly = await connect(['--read-only', root]);
    const agent = await connect([root], { [AGENT_TOKEN_ENV]: studio.credentials.issue(own.id) });
    try {
      const names = async (c: Client) => (await c.listTools()).tools.map((t) => t.name).sort();
      expect(await names(full)).toEqual(expect.arrayContaining([...READ_TOOLS, 'task_delete', 'task_merge', 'task_start']));
      expect(await names(readOnly)).toEqual(READ_TOOLS);
      expect(await names(agent)).toEqual([...READ_TOOLS, 'task_comment', 'task_create'].sort());
      expect(agent.getInstructions()).toContain(own.id);

      const created = (await agent.callTool({
        name: 'task_create',
        arguments: { title: 'From the agent', parent: other.id },
      })) as CallToolResult;
      expect(created.structuredContent).toMatchObject({ parent: own.id, status: 'todo' });
      // The person's client (and its token) is the person: the same call keeps the parent it names.
      const mine = (await full.callTool({
        name: 'task_create',
        arguments: { title: 'Mine', parent: other.id },
      })) as CallToolResult;
      expect(mine.structuredContent).toMatchObject({ parent: other.id });
    } finally {
      await Promise.all([full.close(), readOnly.close(), agent.close()]);
    }
  });
});
