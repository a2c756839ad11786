import type { GithubOptions } from '../../server/github/github-service.js';
import type { Landing } from '../../shared/config.js';
import type { TaskStatus } from '../../shared/task.js';
import { FakeAgent, fakeAgentStudio } from './fake-agent.js';
import { type GithubStandIn, startGithubStandIn } from './github-stand-in.js';
import { startStudio } from './studio.js';
import { git, tempDir, tempRepo } from './temp-repo.js';
import { waitFor } from './wait.js';

export const STAND_IN_TOKEN = 'ghp_standInToken0123456789abcdefABCDEF';
const standIns: GithubStandIn[] = [];

export interface GithubStudioOptions {
  landing?: Landing;
  /** How often the studio reads open PRs; long by default so a test decides when (syncPullRequest). */
  pollMs?: number;
  agent?: FakeAgent;
  /** Laid over the environment the studio reads the token and API base from. */
  env?: Record<string, string | undefined>;
  /** `owner/name` in config github.repo (default octo/widgets); null leaves it unset. */
  repo?: string | null;
  /** GitHub's pacing (a second between writes, Octokit's throttling plugin); off by default: the stand-in has no limits. */
  pace?: boolean;
}

/** A bare repository as the remote `origin` of a fresh temp repo, with main pushed to it. */
export async function repoWithRemote(): Promise<{ root: string; bare: string }> {
  const root = await tempRepo();
  const bare = await tempDir('studio-remote-');
  git(bare, 'init', '-q', '--bare', '-b', 'main');
  git(root, 'remote', 'add', 'origin', bare);
  git(root, 'push', '-q', 'origin', 'main');
  return { root, bare };
}

/**
 * A real studio (fake agent, real orchestrator) whose remote is a real bare repository and whose
 * GitHub is the stand-in; `inReview` walks a task to Review through the real lifecycle.
 */
export async function startGithubStudio(options: GithubStudioOptions = {}) {
  const { root, bare } = await repoWithRemote();
  const standIn = await startGithubStandIn({ owner: 'octo', name: 'widgets', bare, token: STAND_IN_TOKEN });
  standIns.push(standIn);
  const agent = options.agent ?? new FakeAgent();
  const github: GithubOptions = {
    env: { GH_TOKEN: STAND_IN_TOKEN, GITHUB_API_URL: standIn.url, PATH: process.env.PATH, ...options.env },
    retries: 0,
    pace: options.pace ?? false,
    pollMs: options.pollMs ?? 600_000,
  };
  const studio = await startStudio({ root, agent: fakeAgentStudio(agent), github });
  const repo = options.repo === undefined ? 'octo/widgets' : options.repo;
  await studio.client.config.update.mutate({
    ...(repo ? { github: { repo } } : {}),
    ...(options.landing ? { landing: options.landing } : {}),
    requirePlanApproval: false,
  });
  const { client } = studio;
  const settled = (id: string, status: TaskStatus, timeoutMs = 20_000) =>
    waitFor(
      async () => {
        const { task } = await client.tasks.get.query({ id });
        if (task.run?.state === 'failed') throw new Error(`failed: ${task.error}`);
        return task.status === status && !task.run ? task : null;
      },
      `the task to settle in ${status}`,
      timeoutMs,
    );
  const inReview = async (title = 'Say hello') => {
    const task = await client.tasks.create.mutate({ title });
    await client.tasks.start.mutate({ id: task.id });
    return settled(task.id, 'review');
  };
  return { ...studio, bare, standIn, agent, settled, inReview };
}

export async function stopStandIns(): Promise<void> {
  await Promise.all(standIns.splice(0).map((s) => s.close()));
}
