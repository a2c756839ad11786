/**
 * What a first prompt in a new directory waits for before OpenCode sends its model request, and
 * which warm-up calls remove that wait: a real `opencode serve` (snapshots off, as the studio runs
 * it) against the scripted model, on a worktree of a 3,000-file repository made of installed
 * packages. Each listed step runs on the worktree after the session warm-up; then two prompts.
 * Usage: tsx bench/probes/first-request.ts [--steps files,providers,shell] [--log]
 * (--log prints OpenCode's own log lines of the first prompt, ms after it was sent).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createOpencodeClient } from '@opencode-ai/sdk/v2';
import { scriptedOpencodeConfig, startScriptedModel } from '../../server/demo/scripted-model.js';
import { MANAGED_CONFIG } from '../../server/opencode/opencode-link.js';
import { isolatedOpencodeEnv } from '../../server/opencode/server-process.js';
import { makeRealRepo } from '../lib/real-repo.js';

const { values } = parseArgs({ options: { steps: { type: 'string', default: '' }, log: { type: 'boolean' } } });
const steps = values.steps.split(',').filter(Boolean);

const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'probe-first-request-'));
const { root } = await makeRealRepo(path.join(dir, 'repo'), 3000);
let modelAsked = 0;
const model = await startScriptedModel(async () => {
  modelAsked ||= Date.now();
  return { text: 'ok' };
});
const port = await new Promise<number>((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address() as net.AddressInfo;
    s.close(() => resolve(port));
  });
});
const config = { ...scriptedOpencodeConfig(model.baseUrl), ...MANAGED_CONFIG };
const child = spawn(
  path.resolve('node_modules/.bin/opencode'),
  ['serve', '--hostname', '127.0.0.1', '--port', String(port), '--print-logs'],
  {
    cwd: root,
    env: { ...process.env, ...isolatedOpencodeEnv(path.join(dir, 'opencode')), OPENCODE_CONFIG_CONTENT: JSON.stringify(config) },
  },
);
let promptedAt = 0;
const logs: string[] = [];
child.stderr.on('data', (d) => {
  for (const line of String(d).split('\n')) if (line && promptedAt) logs.push(`${Date.now() - promptedAt} ${line.slice(0, 200)}`);
});
child.stdout.resume();
const baseUrl = `http://127.0.0.1:${port}`;
const started = Date.now();
for (;;) {
  const up = await fetch(`${baseUrl}/global/health`, { signal: AbortSignal.timeout(1000) }).catch(() => null);
  if (up?.ok) break;
  await new Promise((r) => setTimeout(r, 100));
}
console.log(`opencode up in ${Date.now() - started} ms`);

const client = createOpencodeClient({ baseUrl });
const work = path.join(dir, 'worktree');
await new Promise((r) => spawn('git', ['-C', root, 'worktree', 'add', '--detach', work], { stdio: 'ignore' }).on('exit', r));
const timed = async (name: string, run: () => Promise<unknown>) => {
  const t = Date.now();
  await run();
  console.log(`${name}: ${Date.now() - t} ms${modelAsked ? ' (it asked the model)' : ''}`);
};
const withSession = async (run: (id: string) => Promise<unknown>) => {
  const made = await client.session.create({ directory: work, title: 'warm-up' });
  const id = made.data?.id;
  if (!id) throw new Error('no session');
  await run(id);
  await client.session.delete({ sessionID: id, directory: work });
};

await timed('instance (path.get)', () => client.path.get({ directory: work }));
await timed('first session', () => withSession(async () => undefined));
const STEPS: Record<string, () => Promise<unknown>> = {
  files: () => client.find.files({ directory: work, query: 'README' }),
  providers: () => client.config.providers({ directory: work }),
  agents: () => client.app.agents({ directory: work }),
  tools: () => client.tool.ids({ directory: work }),
  shell: () => withSession((id) => client.session.shell({ sessionID: id, directory: work, agent: 'build', command: 'true' })),
};
for (const step of steps) {
  const run = STEPS[step];
  if (!run) throw new Error(`unknown step ${step}; known: ${Object.keys(STEPS).join(', ')}`);
  await timed(step, run);
}
await new Promise((r) => setTimeout(r, 2000));
for (const which of ['first', 'second']) {
  modelAsked = 0;
  const session = await client.session.create({ directory: work, title: 'probe' });
  promptedAt = Date.now();
  await client.session.promptAsync({
    sessionID: session.data!.id,
    directory: work,
    parts: [{ type: 'text', text: 'hello' }],
  });
  while (!modelAsked) await new Promise((r) => setTimeout(r, 5));
  console.log(`${which} prompt -> its model request: ${modelAsked - promptedAt} ms`);
  if (which === 'first' && values.log) console.log(logs.join('\n'));
  promptedAt = 0;
  await new Promise((r) => setTimeout(r, 2000));
}
const exited = new Promise((r) => child.once('exit', r));
child.kill();
await exited;
await model.close();
await fs.rm(dir, { recursive: true, force: true });
