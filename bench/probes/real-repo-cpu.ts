/**
 * Where the CPU of a task goes on a real repository: one task, then five at once, through a real
 * `opencode serve` and the scripted model; CPU seconds of the studio (this process), the git it
 * ran, and OpenCode. Run: npx tsx bench/probes/real-repo-cpu.ts
 */
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startScriptedModel } from '../../server/demo/scripted-model.js';
import { fastDemoResponder, startAgentStudio, stopModels } from '../../test/helpers/agent-studio.js';
import { stopStudios } from '../../test/helpers/studio.js';
import { timedRun, timingProxy } from '../lib/agent-timeline.js';
import { descendants } from '../lib/processes.js';
import { makeRealRepo } from '../lib/real-repo.js';
import { toReview } from '../real-repo.js';

const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'real-repo-cpu-'));
const { root } = await makeRealRepo(path.join(tmp, 'repo'), 3_000);
const model = await startScriptedModel(fastDemoResponder);
const proxy = await timingProxy(model.baseUrl);
try {
  const studio = await startAgentStudio({ root, model: { ...model, baseUrl: proxy.baseUrl } });
  while ((await studio.client.project.info.query()).opencode.state !== 'ready') await new Promise((r) => setTimeout(r, 100));
  await studio.client.config.update.mutate({ maxParallel: 5 });
  const show = (tag: string, r: Awaited<ReturnType<typeof timedRun>>) =>
    console.log(
      `${tag}: wall ${(r.wallMs / 1000).toFixed(2)} s; CPU s: studio ${r.cpu.studio.toFixed(2)}, git ${r.cpu.git.toFixed(2)}, opencode ${r.cpu.opencode.toFixed(2)}`,
    );
  show('warm-up', await timedRun(studio, proxy.intervals, 1, 'warm', toReview));
  for (let i = 0; i < Number(process.argv[2] ?? 2); i++)
    show('one', await timedRun(studio, proxy.intervals, 1, `one${i}`, toReview));
  show('five', await timedRun(studio, proxy.intervals, 5, 'five', toReview));
  // user vs system time: a slow file system shows as system time.
  for (const pid of [process.pid, ...descendants(process.pid, /opencode/)]) {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    console.log(
      `pid ${pid === process.pid ? 'studio' : 'opencode'}: user ${Number(f[11]) / 100} s, sys ${Number(f[12]) / 100} s; reaped user ${Number(f[13]) / 100} s, sys ${Number(f[14]) / 100} s`,
    );
  }
} finally {
  await stopStudios();
  await stopModels();
  await proxy.close();
  await model.close();
  await fs.rm(tmp, { recursive: true, force: true });
}
