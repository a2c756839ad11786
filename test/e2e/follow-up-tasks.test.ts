import fs from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import type { Responder } from '../../server/demo/scripted-model.js';
import type { Task } from '../../shared/task.js';
import { startAgentStudio, stopModels } from '../helpers/agent-studio.js';
import { stopStudios } from '../helpers/studio.js';
import { removeTempDirs } from '../helpers/temp-repo.js';
import { waitFor } from '../helpers/wait.js';

afterAll(async () => {
  await stopStudios();
  await stopModels();
  await removeTempDirs();
});

/** A planning agent that splits its task: one follow-up through the studio's MCP tool, then the plan. */
const splitter: Responder = (req) => {
  if (req.isTitleRequest) return { text: 'Title' };
  if (req.lastRole === 'tool') return { text: `## Plan\n\n1. Do the first half.\n\n(${req.toolResults.join(' ')})` };
  const parent = /with parent "([a-z0-9-]+)"/.exec(req.userText)?.[1];
  const tool = req.toolNames.find((n) => n === 'studio_task_create');
  if (!parent || !tool) return { text: '## Plan\n\n1. Do it all (no studio tools were offered).' };
  return { toolCalls: [{ name: tool, args: { title: 'The second half', parent } }] };
};

describe('config mcp: the studio’s agents get its MCP tools', { timeout: 180_000 }, () => {
  it('a planning agent splits its task into a follow-up in Todo that names its parent', async () => {
    const { client, root, model } = await startAgentStudio({ responder: splitter });
    const plan = async (title: string) => {
      const task = await client.tasks.create.mutate({ title, description: 'Two halves.' });
      await client.tasks.start.mutate({ id: task.id });
      await waitFor(
        async () => {
          const { task: t } = await client.tasks.get.query({ id: task.id });
          if (t.run?.state === 'failed') throw new Error(`planning failed: ${t.error}`);
          return t.status === 'plan_review';
        },
        'the plan',
        120_000,
      );
      return task;
    };
    // Off by default: the session has no studio tools.
    expect((await client.config.get.query()).mcp).toBe(false);
    const plain = await plan('Without tools');
    expect(await fs.readFile(`${root}/.opencode-studio/plans/${plain.id}.md`, 'utf8')).toContain('no studio tools were offered');

    await client.config.update.mutate({ mcp: true });
    expect(JSON.parse(await fs.readFile(`${root}/.opencode-studio/config.json`, 'utf8')).mcp).toBe(true);
    const task = await plan('A large task');
    const prompt = model.requests.find((r) => r.userText.includes(`with parent "${task.id}"`));
    expect(prompt?.toolNames).toContain('studio_task_create');

    const followUps = (await client.tasks.list.query({ status: 'todo' })).filter((t: Task) => t.parent === task.id);
    expect(followUps.map((t) => t.title)).toEqual(['The second half']);
    // The follow-up is on the main board, not in the task's worktree copy of .opencode-studio/.
    const file = JSON.parse(await fs.readFile(`${root}/.opencode-studio/tasks/${followUps[0]!.id}.json`, 'utf8'));
    expect(file).toMatchObject({ parent: task.id, status: 'todo' });
    const written = await fs.readFile(`${root}/.opencode-studio/plans/${task.id}.md`, 'utf8');
    expect(written).toContain(`Created ${followUps[0]!.id}`);
    expect((await client.tasks.list.query()).filter((t: Task) => t.parent)).toHaveLength(1);
  });
});
