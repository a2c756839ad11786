import { createLogger } from '@stoplight/prism-core';
import { getHttpOperationsFromSpec } from '@stoplight/prism-http';
import { createClientFromOperations } from '@stoplight/prism-http/dist/client.js';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startGithubStudio, stopStandIns } from '../helpers/github.js';
import { githubDescription } from '../helpers/github-contract.js';
import { stopStudios } from '../helpers/studio.js';
import { removeTempDirs } from '../helpers/temp-repo.js';

afterEach(async () => {
  await stopStudios();
  await stopStandIns();
});
afterAll(removeTempDirs);

describe('the studio’s requests, replayed through Stoplight Prism over GitHub’s own description', () => {
  it('every request of a PR’s life and an issue import validates (Accept rewritten, as Prism knows only JSON)', async () => {
    const s = await startGithubStudio();
    s.standIn.issues.push({ number: 3, title: 'Say hello', body: 'Write hello.txt', labels: ['bug'], state: 'open' });
    await s.client.tasks.importIssues.mutate({ labels: ['bug'] });
    const task = await s.inReview();
    await s.client.tasks.openPullRequest.mutate({ id: task.id, draft: true });
    await s.client.tasks.syncPullRequest.mutate({ id: task.id });
    const sent = s.standIn.requests.filter((r) => r.status !== 304);
    expect(sent.length).toBeGreaterThan(5);

    const templates = [
      '/repos/{owner}/{repo}/pulls',
      '/repos/{owner}/{repo}/pulls/{pull_number}',
      '/repos/{owner}/{repo}/pulls/{pull_number}/comments',
      '/repos/{owner}/{repo}/pulls/{pull_number}/reviews',
      '/repos/{owner}/{repo}/commits/{ref}/check-runs',
      '/repos/{owner}/{repo}/commits/{ref}/status',
      '/repos/{owner}/{repo}/issues',
    ];
    const operations = await getHttpOperationsFromSpec(githubDescription(templates));
    const client = createClientFromOperations(operations, {
      mock: { dynamic: false },
      validateRequest: true,
      validateResponse: false,
      checkSecurity: false,
      errors: false,
      upstreamProxy: undefined,
      isProxy: false,
      logger: createLogger('github', { level: 'silent' }),
    } as never);
    const problems: string[] = [];
    for (const r of sent) {
      const query = Object.keys(r.query).length ? `?${new URLSearchParams(r.query)}` : '';
      const out = await client.request(`${r.path}${query}`, {
        method: r.method.toLowerCase() as 'get',
        headers: { accept: 'application/json', 'content-type': 'application/json' },
        ...(r.body === null ? {} : { body: r.body }),
      });
      const input = (out.violations?.input ?? []) as Array<{ message: string; path?: string[] }>;
      if (out.status === 422 || out.status === 404 || input.length)
        problems.push(
          `${r.method} ${r.path}${query}: ${out.status} ${input.map((v) => `${v.path?.join('.')} ${v.message}`).join('; ')}`,
        );
    }
    expect(problems).toEqual([]);
  }, 120_000);
});
