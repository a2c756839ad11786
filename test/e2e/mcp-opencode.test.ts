import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Responder } from '../../server/demo/scripted-model.js';
import type { EventBus } from '../../server/events/event-bus.js';
import { recordEvents } from '../helpers/bus-recorder.js';
import { BUILT_CLI } from '../helpers/cli.js';
import { startStudio, stopStudios } from '../helpers/studio.js';
import { removeTempDirs } from '../helpers/temp-repo.js';
import { waitFor } from '../helpers/wait.js';
import { type Harness, startHarness } from '../opencode/harness.js';

/**
 * A real `opencode serve` whose config names `opencode-studio mcp <repo>` as an MCP server. The
 * scripted model calls the studio's task_create tool; the running studio's bus proves the task
 * reached the board.
 */
let h: Harness;
let root: string;
let bus: EventBus;
let toolsSeen: string[] = [];

const responder: Responder = (req) => {
  if (req.isTitleRequest) return { text: 'Title' };
  if (req.lastRole === 'tool') return { text: `The studio answered: ${req.toolResults.join(' ')}` };
  toolsSeen = req.toolNames;
  const tool = req.toolNames.find((n) => n.endsWith('task_create'));
  if (!tool) return { error: { status: 400, message: `no studio tool among ${req.toolNames.join(', ')}` } };
  return { toolCalls: [{ name: tool, args: { title: 'Follow-up from the agent', labels: ['from-mcp'] } }] };
};

beforeAll(async () => {
  const started = await startStudio();
  root = started.root;
  bus = started.studio.services.bus;
  h = await startHarness(
    responder,
    {},
    {
      mcp: { studio: { type: 'local', command: [process.execPath, BUILT_CLI, 'mcp', root], enabled: true } },
    },
  );
});
afterAll(async () => {
  await h?.close();
  await stopStudios();
  await removeTempDirs();
});

describe('OpenCode with opencode-studio mcp', () => {
  it('the model calls task_create and the task appears on the running board', async () => {
    const events = recordEvents(bus);
    const result = await h.runner.runPhase({
      agent: 'build',
      phase: 'planning',
      title: 'mcp run',
      directory: h.repo(),
      prompt: 'Split this work: create a follow-up task on the board.',
      onActivity: () => {},
    });
    expect(toolsSeen).toContain('studio_task_create');
    expect(toolsSeen).toContain('studio_task_list');
    const created = await waitFor(
      () => events.of('task.created').find((e) => e.task.title === 'Follow-up from the agent'),
      'the task.created event',
    );
    expect(created.task).toMatchObject({ status: 'todo', labels: ['from-mcp'] });
    expect(result.text).toContain(`Created ${created.task.id}`);
  });
});
