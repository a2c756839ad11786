import fs from 'node:fs/promises';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventBus } from '../../server/events/event-bus.js';
import { initWorkspace } from '../../server/store/workspace.js';
import type { Task } from '../../shared/task.js';
import { recordEvents } from '../helpers/bus-recorder.js';
import { BUILT_CLI } from '../helpers/cli.js';
import { startStudio, stopStudios } from '../helpers/studio.js';
import { removeTempDirs, tempRepo } from '../helpers/temp-repo.js';
import { waitFor } from '../helpers/wait.js';

const REQUIRED_TOOLS = [
  'task_list',
  'task_get',
  'task_create',
  'task_update',
  'task_move',
  'plan_get',
  'plan_update',
  'task_start',
  'task_approve_plan',
  'task_request_changes',
  'task_merge',
];

/** The MCP SDK's own client, over stdio, against the built CLI. */
async function connectMcp(root: string): Promise<Client> {
  const client = new Client({ name: 'studio-test', version: '1.0.0' });
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [BUILT_CLI, 'mcp', root], stderr: 'pipe' }));
  return client;
}

async function call(client: Client, name: string, args: Record<string, unknown>) {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  const text = result.content.map((c) => (c.type === 'text' ? c.text : '')).join('');
  return { result, text, data: result.structuredContent as Record<string, unknown> };
}

afterAll(removeTempDirs);

describe.each([
  ['without a studio', false],
  ['with a running studio', true],
] as const)('opencode-studio mcp, %s', (_, withStudio) => {
  let root: string;
  let client: Client;
  let bus: EventBus | null = null;

  beforeAll(async () => {
    root = await tempRepo();
    if (withStudio) bus = (await startStudio({ root })).studio.services.bus;
    else await initWorkspace(root, 'main');
    client = await connectMcp(root);
  });
  afterAll(async () => {
    await client?.close();
    await stopStudios();
  });

  it('lists every tool with a description and an input schema', async () => {
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    for (const name of REQUIRED_TOOLS) expect(names).toContain(name);
    for (const tool of tools) {
      expect(tool.description?.length).toBeGreaterThan(20);
      expect(tool.inputSchema.type).toBe('object');
    }
    const create = tools.find((t) => t.name === 'task_create')!;
    expect(Object.keys(create.inputSchema.properties ?? {})).toEqual([
      'title',
      'description',
      'labels',
      'parent',
      'dependsOn',
      'autoStart',
    ]);
    expect(create.inputSchema.required).toEqual(['title']);
  });

  it('creates, lists, updates and moves a task; the change is on disk (and on the board, live, with a studio)', async () => {
    const events = bus ? recordEvents(bus) : null;
    const created = await call(client, 'task_create', { title: 'Write the MCP docs', labels: ['docs'] });
    expect(created.result.isError).toBeFalsy();
    const task = created.data as unknown as Task;
    expect(task).toMatchObject({ title: 'Write the MCP docs', status: 'todo', labels: ['docs'] });
    expect(created.text).toContain(`Created ${task.id}`);
    const file = JSON.parse(await fs.readFile(path.join(root, '.opencode-studio/tasks', `${task.id}.json`), 'utf8'));
    expect(file).toMatchObject({ id: task.id, title: 'Write the MCP docs', status: 'todo' });
    if (events) expect(events.of('task.created').map((e) => e.task.id)).toContain(task.id);

    const followUp = await call(client, 'task_create', { title: 'Screenshots for the docs', parent: task.id });
    expect(followUp.data).toMatchObject({ parent: task.id, status: 'todo' });

    const byLabel = await call(client, 'task_list', { label: 'docs' });
    expect((byLabel.data.tasks as Task[]).map((t) => t.id)).toEqual([task.id]);
    expect(byLabel.text).toMatch(/ID\s+STATUS\s+LABELS\s+TITLE/);
    const bySearch = await call(client, 'task_list', { search: 'SCREENSHOTS', status: 'todo' });
    expect((bySearch.data.tasks as Task[]).map((t) => t.title)).toEqual(['Screenshots for the docs']);

    const updated = await call(client, 'task_update', { id: task.id, description: 'Cover every tool.' });
    expect(updated.data).toMatchObject({ id: task.id, description: 'Cover every tool.' });

    const reordered = await call(client, 'task_move', { id: task.id, status: 'todo', order: 99 });
    expect(reordered.data).toMatchObject({ id: task.id, status: 'todo', order: 99 });
    const refused = await call(client, 'task_move', { id: task.id, status: 'done' });
    expect(refused.result.isError).toBe(true);
    expect(refused.text).toBe('cannot move "Write the MCP docs": only a task in Review can be merged to Done');
    expect(refused.data).toEqual({ error: { message: refused.text, reason: 'not-allowed-now', status: 412 } });
    if (events) await waitFor(() => events.of('task.updated').some((e) => e.task.order === 99), 'the move on the board');
  });

  it('plan_update writes plans/<id>.md and plan_get reads it back', async () => {
    const { data } = await call(client, 'task_create', { title: 'Plan me' });
    const id = data.id as string;
    expect((await call(client, 'plan_get', { id })).data).toEqual({ id, plan: null });
    const saved = await call(client, 'plan_update', { id, markdown: '# Plan\n\n1. Do it.\n' });
    expect(saved.data).toEqual({ ok: true });
    expect(await fs.readFile(path.join(root, '.opencode-studio/plans', `${id}.md`), 'utf8')).toBe('# Plan\n\n1. Do it.\n');
    const read = await call(client, 'plan_get', { id });
    expect(read.data).toEqual({ id, plan: '# Plan\n\n1. Do it.\n' });
    expect(read.text).toBe('# Plan\n\n1. Do it.\n');
    expect((await call(client, 'task_get', { id })).text).toContain('1. Do it.');
  });

  it('an invalid id and an unknown id are tool errors with the API message', async () => {
    const invalid = await call(client, 'task_get', { id: '../../etc/passwd' });
    expect(invalid.result.isError).toBe(true);
    expect(invalid.text).toContain('a task id is 2-64 characters');
    const unknown = await call(client, 'plan_update', { id: 'no-such-task', markdown: 'x' });
    expect(unknown.result.isError).toBe(true);
    expect(unknown.text).toBe('no task "no-such-task"');
    expect(unknown.data).toEqual({ error: { message: 'no task "no-such-task"', reason: 'not-found', status: 404 } });
    await expect(fs.stat(path.join(root, '.opencode-studio/plans/no-such-task.md'))).rejects.toThrow();
  });

  it('an agent action answers why it cannot run', async () => {
    const { data } = await call(client, 'task_create', { title: 'Start me' });
    const started = await call(client, 'task_start', { id: data.id });
    expect(started.result.isError).toBe(true);
    if (withStudio) {
      // This studio runs without an agent: the answer is the studio's own.
      expect(started.data).toMatchObject({ error: { reason: 'opencode-unavailable' } });
    } else {
      expect(started.data).toMatchObject({ error: { reason: 'studio-not-running' } });
      expect(started.text).toContain(`start it with "npx opencode-studio ${root}"`);
    }
    const feedback = await call(client, 'task_request_changes', { id: data.id, feedback: 'smaller steps' });
    expect(feedback.result.isError).toBe(true);
    expect((await call(client, 'task_activity', { id: data.id })).data).toEqual({ entries: [] });
    const info = await call(client, 'project_info', {});
    expect(info.data).toMatchObject({ root, baseBranch: 'main', config: { mcp: false } });
    expect(info.text).toMatch(/agent: unavailable/);
  });
});
