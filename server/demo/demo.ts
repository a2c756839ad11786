import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { StudioServerOptions } from '../index.js';
import { isolatedOpencodeEnv } from '../opencode/server-process.js';
import { createAgent } from '../orchestrator/create-agent.js';
import { demoResponder } from './demo-script.js';
import { scriptedOpencodeConfig, startScriptedModel } from './scripted-model.js';

const SAMPLE_FILES: Record<string, string> = {
  'README.md': '# Sample app\n\nA tiny app for the OpenCode Studio demo.\n',
  'src/greet.js': "export function greet(name) {\n  return 'Hello, ' + name + '!';\n}\n",
  'package.json': '{\n  "name": "sample-app",\n  "version": "1.0.0",\n  "type": "module"\n}\n',
};

const SAMPLE_TASKS = [
  { title: 'Write a contributing guide', description: 'Explain how to set up the project and send a change.' },
  { title: 'Document the greet function', description: 'Say what `greet` returns and give an example.', labels: ['docs'] },
  { title: 'Plan a farewell feature', description: 'A `farewell(name)` next to `greet`.', labels: ['feature'] },
];

/**
 * `--demo`: a sample git repo in a temp dir with a few tasks, and OpenCode (isolated from the
 * user's own config) talking to the scripted model on loopback. No API key, no network.
 */
export async function prepareDemo(say: (line: string) => void): Promise<{ root: string; agent: StudioServerOptions['agent'] }> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'opencode-studio-demo-'));
  say(`Demo: creating a sample repository in ${root}`);
  for (const [file, text] of Object.entries(SAMPLE_FILES)) {
    await fs.mkdir(path.join(root, path.dirname(file)), { recursive: true });
    await fs.writeFile(path.join(root, file), text);
  }
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=Demo', '-c', 'user.email=demo@localhost', ...args], { cwd: root, stdio: 'ignore' });
  git('init', '-q', '-b', 'main');
  git('add', '.');
  git('commit', '-q', '-m', 'Sample app');
  const model = await startScriptedModel(demoResponder);
  const home = path.join(os.tmpdir(), 'opencode-studio-demo-home');
  say('Demo: OpenCode will use a scripted model (no API key needed); its answers are canned.');
  return {
    root,
    agent: async (store, bus, credentials) => {
      if (store.tasks.size === 0) for (const task of SAMPLE_TASKS) await store.tasks.create(task);
      const orchestrator = await createAgent(store, bus, {
        mode: { kind: 'managed', env: isolatedOpencodeEnv(home), configContent: scriptedOpencodeConfig(model.baseUrl) },
        demo: true,
        log: say,
        credentials,
      });
      const close = orchestrator.close.bind(orchestrator);
      orchestrator.close = async () => {
        await close();
        await model.close();
        say(`Demo repository kept at ${root} (delete it when you are done).`);
      };
      return orchestrator;
    },
  };
}
