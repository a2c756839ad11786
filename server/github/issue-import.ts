import type { ImportIssuesInput, ImportIssuesResult } from '../../shared/github-api.js';
import type { Task } from '../../shared/task.js';
import type { GithubAccess } from './client.js';
import { githubFailure } from './github-error.js';

/** The fields of an issue (GET /repos/{owner}/{repo}/issues) that a task takes. */
interface IssueView {
  number: number;
  title: string;
  body?: string | null;
  html_url: string;
  labels: Array<string | { name?: string | null }>;
  pull_request?: unknown;
}

const MAX_ISSUES = 500;

function labelsOf(issue: IssueView): string[] {
  const names = issue.labels.map((l) => (typeof l === 'string' ? l : (l.name ?? '')).trim().slice(0, 50)).filter(Boolean);
  return [...new Set(names)].slice(0, 50);
}

function fieldsOf(issue: IssueView) {
  return {
    title: issue.title.trim().slice(0, 500) || `Issue #${issue.number}`,
    description: (issue.body ?? '').slice(0, 200_000),
    labels: labelsOf(issue),
  };
}

/**
 * Issues become tasks: title, body and labels carry over and `issue` records where from. An issue
 * imported before updates its task (never a second one); pull requests in the list are skipped.
 */
export async function importIssues(github: GithubAccess, input: ImportIssuesInput): Promise<ImportIssuesResult> {
  const { link, client } = await github.connect();
  const owner = link.owner;
  const repo = link.name;
  let issues: IssueView[];
  try {
    if (input.numbers?.length)
      issues = await Promise.all(
        input.numbers.map(async (n) => (await client.rest.issues.get({ owner, repo, issue_number: n })).data as IssueView),
      );
    else {
      issues = [];
      const pages = client.paginate.iterator(client.rest.issues.listForRepo, {
        owner,
        repo,
        state: input.state ?? 'open',
        ...(input.labels?.length ? { labels: input.labels.join(',') } : {}),
        per_page: 100,
      });
      for await (const page of pages) {
        issues.push(...(page.data as IssueView[]));
        if (issues.length >= MAX_ISSUES) break;
      }
    }
  } catch (err) {
    throw githubFailure(err, 'read the issues', link.repo);
  }
  const result: ImportIssuesResult = { created: [], updated: [], skipped: [] };
  const byNumber = new Map<number, Task>();
  for (const t of github.store.tasks.list()) if (t.issue) byNumber.set(t.issue.number, t);
  for (const issue of issues.slice(0, MAX_ISSUES)) {
    if (issue.pull_request) {
      result.skipped.push(issue.number);
      continue;
    }
    const fields = fieldsOf(issue);
    const existing = byNumber.get(issue.number);
    if (!existing) {
      const task = await github.store.tasks.create({ ...fields, issue: { number: issue.number, url: issue.html_url } });
      byNumber.set(issue.number, task);
      result.created.push(task.id);
      continue;
    }
    const same =
      existing.title === fields.title &&
      existing.description === fields.description &&
      JSON.stringify(existing.labels) === JSON.stringify(fields.labels);
    if (!same) await github.store.tasks.patch(existing.id, { ...fields, issue: { number: issue.number, url: issue.html_url } });
    result.updated.push(existing.id);
  }
  return result;
}
