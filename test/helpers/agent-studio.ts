import path from 'node:path';
import { demoResponder } from '../../server/demo/demo-script.js';
import {
  type Responder,
  type ScriptedModel,
  scriptedOpencodeConfig,
  startScriptedModel,
} from '../../server/demo/scripted-model.js';
import { isolatedOpencodeEnv } from '../../server/opencode/server-process.js';
import { createAgent } from '../../server/orchestrator/create-agent.js';
import type { Orchestrator } from '../../server/orchestrator/orchestrator.js';
import type { Task } from '../../shared/task.js';
import { startStudio } from './studio.js';
import { tempDir, tempRepo } from './temp-repo.js';
import { waitFor } from './wait.js';

/** The demo script without its pauses: tests want speed, people watching the demo want pauses. */
export const fastDemoResponder: Responder = async (req) => ({ ...(await demoResponder(req)), delayMs: 0 });

const models: ScriptedModel[] = [];

export interface AgentStudioOptions {
  responder?: Responder;
  root?: string;
  /** A scripted model shared between studios (e.g. across a restart); by default a new one. */
  model?: ScriptedModel;
  /** The isolated opencode home; reuse it across a restart to keep opencode's own state. */
  opencodeHome?: string;
  /** OpenCode's own `permission` config (opencode.json), instead of the scripted default that allows edits and bash. */
  opencodePermission?: Record<string, string>;
  /** Laid over the scripted model's OpenCode config, e.g. `{ snapshot: true }`. */
  opencodeConfig?: Record<string, unknown>;
  /** Keep warm worktree slots (off by default here, so each task's worktree is at its default path). */
  warmSlots?: boolean;
}

/**
 * A real studio (port 0, temp repo) with the real orchestrator driving a real `opencode serve`
 * (isolated XDG dirs) against the scripted model on loopback.
 */
export async function startAgentStudio(options: AgentStudioOptions = {}) {
  const model = options.model ?? (await startScriptedModel(options.responder ?? fastDemoResponder));
  if (!options.model) models.push(model);
  const opencodeHome = options.opencodeHome ?? path.join(await tempDir('studio-opencode-'), 'home');
  const root = options.root ?? (await tempRepo());
  let orchestrator: Orchestrator | null = null;
  const configContent = { ...scriptedOpencodeConfig(model.baseUrl), ...options.opencodeConfig };
  if (options.opencodePermission) configContent.permission = options.opencodePermission;
  const started = await startStudio({
    root,
    agent: async (store, bus, credentials) => {
      orchestrator = await createAgent(store, bus, {
        credentials,
        mode: { kind: 'managed', env: isolatedOpencodeEnv(opencodeHome), configContent },
        warmSlots: options.warmSlots ?? false,
      });
      return orchestrator;
    },
  });
  return { ...started, model, opencodeHome, orchestrator: orchestrator! as Orchestrator };
}

export async function stopModels(): Promise<void> {
  await Promise.all(models.splice(0).map((m) => m.close()));
}

type AgentClient = Awaited<ReturnType<typeof startAgentStudio>>['client'];

/** Wait until the task rests in `status` with nothing running; a failed run fails the wait at once. */
export function waitStatus(client: AgentClient, id: string, status: Task['status'], timeoutMs = 60_000): Promise<Task> {
  return waitFor(
    async () => {
      const { task } = await client.tasks.get.query({ id });
      if (task.run?.state === 'failed') throw new Error(`task failed: ${task.error}`);
      return task.status === status && !task.run ? task : null;
    },
    `task ${id} to reach ${status}`,
    timeoutMs,
  );
}
