/**
 * Where start-up time goes, phase by phase, with the built modules: import, git, workspace
 * init, task load (and within it: reading files vs parsing them), watcher start.
 * Usage: tsx bench/probes/startup-phases.ts <repo>; prints one JSON line.
 */
import { readFileSync, watch } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { distUrl } from '../lib/probe.js';

const root = process.argv[2];
if (!root) throw new Error('usage: startup-phases <repo>');

const lap = (() => {
  let last = performance.now();
  return () => {
    const now = performance.now();
    const d = now - last;
    last = now;
    return d;
  };
})();

const index = (await import(distUrl('server/index.js'))) as typeof import('../../server/index.js');
const importMs = lap();
void index;
const { openRepo } = (await import(distUrl('server/git/repo.js'))) as typeof import('../../server/git/repo.js');
const { initWorkspace } = (await import(
  distUrl('server/store/workspace.js')
)) as typeof import('../../server/store/workspace.js');
const { StudioStore } = (await import(
  distUrl('server/store/studio-store.js')
)) as typeof import('../../server/store/studio-store.js');
const { EventBus } = (await import(distUrl('server/events/event-bus.js'))) as typeof import('../../server/events/event-bus.js');
const { parseTask } = (await import(distUrl('server/store/task-file.js'))) as typeof import('../../server/store/task-file.js');
const { createAgent } = (await import(
  distUrl('server/orchestrator/create-agent.js')
)) as typeof import('../../server/orchestrator/create-agent.js');
lap();

const repo = await openRepo(root);
const branch = (await repo.currentBranch()) ?? 'main';
const gitMs = lap();
await initWorkspace(repo.root, branch);
const initMs = lap();
const bus = new EventBus();
const store = await StudioStore.open(repo.root, bus);
const loadMs = lap();
await store.watch();
const watchMs = lap();
// The orchestrator, attached to a closed port so that no OpenCode server is started.
const agent = await createAgent(store, bus, { mode: { kind: 'attached', url: 'http://127.0.0.1:9' } });
const agentMs = lap();
void agent;
await store.close();
lap();

// The load again, split: reading the files, then parsing + validating them.
const dir = path.join(repo.root, '.opencode-studio', 'tasks');
const names = (await fs.readdir(dir)).filter((n) => n.endsWith('.json'));
lap();
const texts: string[] = new Array(names.length);
let next = 0;
await Promise.all(
  Array.from({ length: 64 }, async () => {
    while (next < names.length) {
      const i = next++;
      texts[i] = await fs.readFile(path.join(dir, names[i]!), 'utf8');
    }
  }),
);
const readMs = lap();
// Alternatives, for the report: the same reads with 4 in flight (the libuv pool size), and synchronously.
next = 0;
await Promise.all(
  Array.from({ length: 4 }, async () => {
    while (next < names.length) {
      const i = next++;
      texts[i] = await fs.readFile(path.join(dir, names[i]!), 'utf8');
    }
  }),
);
const read4Ms = lap();
for (let i = 0; i < names.length; i++) texts[i] = readFileSync(path.join(dir, names[i]!), 'utf8');
const readSyncMs = lap();
// And the watcher: plain fs.watch on the four folders the studio owns, instead of chokidar over every file.
const studioDir = path.join(repo.root, '.opencode-studio');
const watchers = [studioDir, dir, path.join(studioDir, 'plans'), path.join(studioDir, 'reviews')].map((d) => watch(d, () => {}));
const fsWatchMs = lap();
for (const w of watchers) w.close();
for (const text of texts) JSON.parse(text);
const jsonParseMs = lap();
names.forEach((name, i) => {
  parseTask(texts[i]!, name.slice(0, -5), '');
});
const parseTaskMs = lap();

process.stdout.write(
  `${JSON.stringify({ tasks: store.tasks.size, importMs, gitMs, initMs, loadMs, watchMs, agentMs, readMs, read4Ms, readSyncMs, fsWatchMs, jsonParseMs, parseTaskMs })}\n`,
);
// Orchestrator.close() would keep the process alive on an idle 5 s timer; nothing is left to flush.
process.exit(0);
