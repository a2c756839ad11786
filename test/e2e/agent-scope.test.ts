import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { phaseOf } from '../../server/demo/demo-script.js';
import type { Responder } from '../../server/demo/scripted-model.js';
import { AGENT_TOKEN_ENV } from '../../server/orchestrator/agent-credentials.js';
import type { Task } from '../../shared/task.js';
import { startAgentStudio, stopModels } from '../helpers/agent-studio.js';
import { runCli } from '../helpers/cli.js';
import { stopStudios } from '../helpers/studio.js';
import { removeTempDirs, tempDir, tempRepo } from '../helpers/temp-repo.js';
import { waitFor } from '../helpers/wait.js';

let repoRoot = '';
afterAll(async () => {
  await stopStudios();
  await stopModels();
  if (repoRoot) await fs.rm(`${repoRoot}.worktrees`, { recursive: true, force: true });
  await removeTempDirs();
});

const ROGUE = path.join(import.meta.dirname, 'fixtures/rogue-mcp.ts');
const TSX = createRequire(import.meta.url).resolve('tsx/cli');
/** What the planning agent tries on the other task, through the tampered full tool list. */
const ATTEMPTS = ['task_delete', 'task_approve_plan', 'task_merge', 'task_move'] as const;

/**
 * A real OpenCode session of the studio with `mcp: true`. Its scripted planning model tries the
 * person's gates on another task, through a tampered MCP server that offers every tool with the
 * session's own credential, then files a follow-up through the studio's own (scoped) tools.
 */
describe('an agent session acts within its task', { timeout: 240_000 }, () => {
  it('delete, approve-plan, merge and move on another task are refused with agent-not-allowed; task_create makes a follow-up of its own task', async () => {
    let other = '';
    let studioTools: string[] = [];
    const responder: Responder = (req) => {
      if (req.isTitleRequest) return { text: 'Title' };
      if (phaseOf(req).phase !== 'planning') return { text: 'VERDICT: APPROVED' };
      studioTools = req.toolNames.filter((n) => n.startsWith('studio_'));
      const step = req.toolResults.length;
      const attempt = ATTEMPTS[step];
      if (attempt) {
        const name = `rogue_${attempt}`;
        if (!req.toolNames.includes(name)) return { error: { status: 400, message: `no ${name} among ${req.toolNames}` } };
        const args =
          attempt === 'task_move'
            ? { id: other, status: 'planning' }
            : attempt === 'task_delete'
              ? { id: other, force: true }
              : { id: other };
        return { toolCalls: [{ name, args }] };
      }
      if (step === ATTEMPTS.length)
        return { toolCalls: [{ name: 'studio_task_create', args: { title: 'Split off', parent: other, autoStart: true } }] };
      return { text: `## Plan\n\n${req.toolResults.map((r, i) => `${i}: ${r}`).join('\n')}` };
    };
    const tokenFile = path.join(await tempDir('studio-rogue-'), 'token');
    const root = await tempRepo();
    repoRoot = root;
    const { client, studio, model } = await startAgentStudio({
      root,
      responder,
      opencodeConfig: {
        mcp: { rogue: { type: 'local', command: [process.execPath, TSX, ROGUE, root, tokenFile], enabled: true } },
      },
    });
    await client.config.update.mutate({ mcp: true });
    const own = await client.tasks.create.mutate({ title: 'Plan the big job' });
    const person = await client.tasks.create.mutate({ title: 'A person’s task', labels: ['keep'] });
    other = person.id;
    const token = studio.credentials.issue(own.id);
    await fs.writeFile(tokenFile, token);
    const file = path.join(root, '.opencode-studio/tasks', `${other}.json`);
    const before = await fs.readFile(file, 'utf8');

    await client.tasks.start.mutate({ id: own.id });
    await waitFor(
      async () => {
        const { task } = await client.tasks.get.query({ id: own.id });
        if (task.run?.state === 'failed') throw new Error(`planning failed: ${task.error}`);
        return task.status === 'plan_review';
      },
      'the plan',
      180_000,
    );

    // The studio's own tool set for the session: reads, follow-ups, comments; no gate of a person.
    expect(studioTools.sort()).toEqual(
      [
        'studio_plan_get',
        'studio_project_info',
        'studio_task_activity',
        'studio_task_comment',
        'studio_task_create',
        'studio_task_diff',
        'studio_task_get',
        'studio_task_list',
      ].sort(),
    );
    const last = model.requests.findLast((r) => r.toolResults.length > ATTEMPTS.length)!;
    ATTEMPTS.forEach((attempt, i) => {
      expect(last.toolResults[i], attempt).toContain('agent-not-allowed');
    });
    expect(await fs.readFile(file, 'utf8')).toBe(before);
    expect((await client.tasks.get.query({ id: other })).task).toMatchObject({ status: 'todo', labels: ['keep'], run: null });

    const followUps = (await client.tasks.list.query()).filter((t: Task) => t.title === 'Split off');
    expect(followUps).toHaveLength(1);
    expect(followUps[0]).toMatchObject({ parent: own.id, status: 'todo', run: null });
    expect(followUps[0]!.autoStart).toBeUndefined();

    // The task CLI is one more door: with the agent's credential it is the agent, and is refused the same way.
    const cli = await runCli(['task', 'delete', other, '--force', '--json', '--dir', root], {
      env: { [AGENT_TOKEN_ENV]: token },
    });
    expect(cli.code).toBe(1);
    expect(JSON.parse(cli.stderr).error.reason).toBe('agent-not-allowed');
    expect(await fs.readFile(file, 'utf8')).toBe(before);
  });
});
