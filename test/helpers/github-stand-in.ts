import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { GithubContract, type OperationKey } from './github-contract.js';

/**
 * GitHub's stand-in, as the scripted model is the model's: a small stateful server that plays the
 * REST operations the studio calls, over a real bare repository (the pushed branches). Every
 * request and every answer is checked against GitHub's own OpenAPI description; a request that does
 * not fit is refused with 422 as GitHub would, and each mismatch is kept in `violations`.
 */

const OPERATIONS = [
  'GET /repos/{owner}/{repo}/pulls',
  'POST /repos/{owner}/{repo}/pulls',
  'GET /repos/{owner}/{repo}/pulls/{pull_number}',
  'GET /repos/{owner}/{repo}/pulls/{pull_number}/comments',
  'GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews',
  'GET /repos/{owner}/{repo}/commits/{ref}/check-runs',
  'GET /repos/{owner}/{repo}/commits/{ref}/status',
  'GET /repos/{owner}/{repo}/issues',
  'GET /repos/{owner}/{repo}/issues/{issue_number}',
] as const satisfies OperationKey[];

type Key = (typeof OPERATIONS)[number];
type Json = Record<string, unknown>;

export interface StandInPull {
  number: number;
  title: string;
  body: string | null;
  head: string;
  base: string;
  state: 'open' | 'closed';
  merged: boolean;
  draft: boolean;
  createdAt: string;
  updatedAt: string;
}
export interface StandInCheck {
  name: string;
  status: 'queued' | 'in_progress' | 'completed';
  conclusion: 'success' | 'failure' | 'neutral' | 'cancelled' | 'timed_out' | null;
  title?: string;
  summary?: string;
}
export interface StandInIssue {
  number: number;
  title: string;
  body: string | null;
  labels: string[];
  state: 'open' | 'closed';
  pullRequest?: boolean;
}
export interface StandInRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  status: number;
  headers: http.IncomingHttpHeaders;
}
type Fault = { key: Key | '*'; status: number; body?: Json; headers?: Record<string, string>; times: number };
class Answer {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {}
}

let contract: GithubContract | null = null;

export interface StandInOptions {
  owner: string;
  name: string;
  /** The bare repository that plays the GitHub repository's git side. */
  bare: string;
  token: string;
}

export class GithubStandIn {
  readonly pulls: StandInPull[] = [];
  readonly checks = new Map<string, StandInCheck[]>();
  readonly statuses = new Map<
    string,
    Array<{ context: string; state: 'error' | 'failure' | 'pending' | 'success'; description: string }>
  >();
  readonly lineComments = new Map<number, Json[]>();
  readonly reviews = new Map<number, Json[]>();
  readonly issues: StandInIssue[] = [];
  readonly requests: StandInRequest[] = [];
  readonly violations: string[] = [];
  private readonly faults: Fault[] = [];
  private nextId = 1000;
  private server: http.Server | null = null;
  url = '';

  constructor(readonly options: StandInOptions) {
    contract ??= new GithubContract([...OPERATIONS]);
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = null;
  }

  /** The next `times` requests for `key` answer `status` (a fault made on GitHub's side). */
  failNext(key: Key | '*', status: number, body?: Json, headers?: Record<string, string>, times = 1): void {
    this.faults.push({ key, status, body, headers, times });
  }

  /** The commit a branch of the bare repository points at, or null. */
  branchSha(branch: string): string | null {
    try {
      return execFileSync('git', ['rev-parse', '--verify', '-q', `refs/heads/${branch}`], {
        cwd: this.options.bare,
        encoding: 'utf8',
      }).trim();
    } catch {
      return null;
    }
  }

  /** Merges the PR on "GitHub": its base branch in the bare repository moves to the head. */
  merge(number: number): void {
    const pr = this.pull(number);
    const sha = this.branchSha(pr.head)!;
    execFileSync('git', ['update-ref', `refs/heads/${pr.base}`, sha], { cwd: this.options.bare });
    Object.assign(pr, { state: 'closed', merged: true, updatedAt: new Date().toISOString() });
  }

  closeWithoutMerge(number: number): void {
    Object.assign(this.pull(number), { state: 'closed', updatedAt: new Date().toISOString() });
  }

  setChecks(sha: string, checks: StandInCheck[]): void {
    this.checks.set(sha, checks);
  }

  addLineComment(number: number, c: { path: string; line: number; body: string; user: string }): void {
    const list = this.lineComments.get(number) ?? [];
    list.push({ id: this.nextId++, ...c, at: new Date().toISOString() });
    this.lineComments.set(number, list);
    this.pull(number).updatedAt = new Date().toISOString();
  }

  addReview(number: number, r: { body: string; user: string; state: 'COMMENTED' | 'CHANGES_REQUESTED' | 'APPROVED' }): void {
    const list = this.reviews.get(number) ?? [];
    list.push({ id: this.nextId++, ...r });
    this.reviews.set(number, list);
  }

  pull(number: number): StandInPull {
    const pr = this.pulls.find((p) => p.number === number);
    if (!pr) throw new Error(`no pull request #${number} on the stand-in`);
    return pr;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const query = Object.fromEntries(url.searchParams);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      this.violations.push(`${req.method} ${url.pathname}: the body is not JSON`);
    }
    const method = req.method ?? 'GET';
    const matched = contract!.match(method, url.pathname);
    let answer: Answer;
    try {
      answer = this.answer(req, matched, url.pathname, query, body);
    } catch (err) {
      this.violations.push(`the stand-in failed on ${method} ${url.pathname}: ${String(err)}`);
      answer = new Answer(500, { message: 'stand-in failure' });
    }
    if (matched) {
      const problems = contract!.checkResponse(matched.key, answer.status, answer.body);
      this.violations.push(...problems.map((p) => `stand-in answer to ${method} ${url.pathname}: ${p}`));
    }
    this.requests.push({ method, path: url.pathname, query, body, status: answer.status, headers: req.headers });
    const json = answer.status === 304 || answer.body === undefined ? '' : JSON.stringify(answer.body);
    res.writeHead(answer.status, {
      ...(json ? { 'content-type': 'application/json; charset=utf-8' } : {}),
      'x-github-media-type': 'github.v3; format=json',
      ...answer.headers,
    });
    res.end(json);
  }

  private answer(
    req: http.IncomingMessage,
    matched: { key: string; params: Record<string, string> } | null,
    path: string,
    query: Record<string, string>,
    body: unknown,
  ): Answer {
    if (!matched) {
      this.violations.push(`the studio called ${req.method} ${path}, which the stand-in does not play`);
      return new Answer(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
    }
    const key = matched.key as Key;
    const accept = req.headers.accept ?? '';
    if (!/application\/(vnd\.github[.\w+-]*\+)?json/.test(accept)) this.violations.push(`${key}: Accept was "${accept}"`);
    const problems = contract!.checkRequest(key, matched.params, query, body);
    if (problems.length) {
      this.violations.push(...problems.map((p) => `studio request ${key}: ${p}`));
      return new Answer(422, {
        message: 'Invalid request.',
        errors: problems,
        documentation_url: 'https://docs.github.com/rest',
      });
    }
    const fault = this.faults.find((f) => f.key === '*' || f.key === key);
    if (fault) {
      if (--fault.times <= 0) this.faults.splice(this.faults.indexOf(fault), 1);
      return new Answer(
        fault.status,
        fault.body ?? { message: 'fault', documentation_url: 'https://docs.github.com/rest' },
        fault.headers,
      );
    }
    const auth = req.headers.authorization ?? '';
    if (auth !== `token ${this.options.token}` && auth !== `Bearer ${this.options.token}`)
      return new Answer(401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' });
    const { owner, repo } = matched.params;
    if (owner !== this.options.owner || repo !== this.options.name)
      return new Answer(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
    const answer = this.route(key, matched.params, query, body as Json);
    return this.conditional(req, answer);
  }

  /** ETag on every GET answer; a matching If-None-Match gets 304 with no body, as GitHub does. */
  private conditional(req: http.IncomingMessage, answer: Answer): Answer {
    if (req.method !== 'GET' || answer.status !== 200) return answer;
    const etag = `W/"${createHash('sha1').update(JSON.stringify(answer.body)).digest('hex')}"`;
    if (req.headers['if-none-match'] === etag) return new Answer(304, undefined, { etag });
    return new Answer(200, answer.body, { ...answer.headers, etag });
  }

  private route(key: Key, params: Record<string, string>, query: Record<string, string>, body: Json): Answer {
    switch (key) {
      case 'GET /repos/{owner}/{repo}/pulls': {
        const state = query.state ?? 'open';
        const head = query.head?.includes(':') ? query.head.split(':')[1] : query.head;
        const list = this.pulls.filter((p) => (state === 'all' || p.state === state) && (!head || p.head === head));
        return new Answer(
          200,
          list.map((p) => this.pullJson(p, key)),
        );
      }
      case 'POST /repos/{owner}/{repo}/pulls':
        return this.create(body);
      case 'GET /repos/{owner}/{repo}/pulls/{pull_number}': {
        const pr = this.pulls.find((p) => p.number === Number(params.pull_number));
        return pr ? new Answer(200, this.pullJson(pr, key)) : notFound();
      }
      case 'GET /repos/{owner}/{repo}/pulls/{pull_number}/comments':
        return new Answer(
          200,
          (this.lineComments.get(Number(params.pull_number)) ?? []).map((c) =>
            this.lineCommentJson(Number(params.pull_number), c),
          ),
        );
      case 'GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews':
        return new Answer(
          200,
          (this.reviews.get(Number(params.pull_number)) ?? []).map((r) => this.reviewJson(Number(params.pull_number), r)),
        );
      case 'GET /repos/{owner}/{repo}/commits/{ref}/check-runs':
        return new Answer(200, this.checkRunsJson(params.ref!));
      case 'GET /repos/{owner}/{repo}/commits/{ref}/status':
        return new Answer(200, this.statusJson(params.ref!));
      case 'GET /repos/{owner}/{repo}/issues': {
        const state = query.state ?? 'open';
        const labels = query.labels ? query.labels.split(',') : [];
        const list = this.issues.filter(
          (i) => (state === 'all' || i.state === state) && labels.every((l) => i.labels.includes(l)),
        );
        return new Answer(
          200,
          list.map((i) => this.issueJson(i)),
        );
      }
      case 'GET /repos/{owner}/{repo}/issues/{issue_number}': {
        const issue = this.issues.find((i) => i.number === Number(params.issue_number));
        return issue ? new Answer(200, this.issueJson(issue)) : notFound();
      }
    }
  }

  private create(body: Json): Answer {
    const head = String(body.head);
    const base = String(body.base);
    const invalid = (field: string, code = 'invalid', message?: string) =>
      new Answer(422, {
        message: 'Validation Failed',
        errors: [{ resource: 'PullRequest', field, code, ...(message ? { message } : {}) }],
        documentation_url: 'https://docs.github.com/rest/pulls/pulls#create-a-pull-request',
      });
    if (!this.branchSha(base)) return invalid('base');
    if (!this.branchSha(head)) return invalid('head');
    if (this.pulls.some((p) => p.head === head && p.state === 'open'))
      return invalid('', 'custom', `A pull request already exists for ${this.options.owner}:${head}.`);
    const now = new Date().toISOString();
    const number = this.pulls.length + this.issues.length + 1;
    const pr: StandInPull = {
      number,
      title: String(body.title),
      body: typeof body.body === 'string' ? body.body : null,
      head,
      base,
      state: 'open',
      merged: false,
      draft: body.draft === true,
      createdAt: now,
      updatedAt: now,
    };
    this.pulls.push(pr);
    return new Answer(201, this.pullJson(pr, 'POST /repos/{owner}/{repo}/pulls'));
  }

  private web(path: string): string {
    return `https://github.com/${this.options.owner}/${this.options.name}${path}`;
  }

  private pullJson(pr: StandInPull, key: Key): Json {
    const status = key.startsWith('POST') ? '201' : '200';
    const raw = contract!.example(key, status);
    const json = (Array.isArray(raw) ? raw[0] : raw) as Json;
    const headSha = this.branchSha(pr.head) ?? '0'.repeat(40);
    const baseSha = this.branchSha(pr.base) ?? '0'.repeat(40);
    Object.assign(json, {
      id: 5000 + pr.number,
      number: pr.number,
      state: pr.state,
      title: pr.title,
      body: pr.body,
      draft: pr.draft,
      html_url: this.web(`/pull/${pr.number}`),
      created_at: pr.createdAt,
      updated_at: pr.updatedAt,
      closed_at: pr.state === 'closed' ? pr.updatedAt : null,
      merged_at: pr.merged ? pr.updatedAt : null,
      // GitHub's own example has teams without `type`, which its schema requires.
      requested_teams: [],
    });
    if ('merged' in json) json.merged = pr.merged;
    Object.assign(json.head as Json, { ref: pr.head, sha: headSha, label: `${this.options.owner}:${pr.head}` });
    Object.assign(json.base as Json, { ref: pr.base, sha: baseSha, label: `${this.options.owner}:${pr.base}` });
    return json;
  }

  private lineCommentJson(number: number, c: Json): Json {
    const json = (contract!.example('GET /repos/{owner}/{repo}/pulls/{pull_number}/comments', '200') as Json[])[0]!;
    return Object.assign(json, {
      id: c.id,
      path: c.path,
      line: c.line,
      original_line: c.line,
      start_line: null,
      original_start_line: null,
      side: 'RIGHT',
      body: c.body,
      html_url: this.web(`/pull/${number}#discussion_r${c.id}`),
      created_at: c.at,
      updated_at: c.at,
      user: { ...(json.user as Json), login: c.user },
    });
  }

  private reviewJson(number: number, r: Json): Json {
    const json = (contract!.example('GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews', '200') as Json[])[0]!;
    return Object.assign(json, {
      id: r.id,
      body: r.body,
      state: r.state,
      html_url: this.web(`/pull/${number}#pullrequestreview-${r.id}`),
      user: { ...(json.user as Json), login: r.user },
    });
  }

  private checkRunsJson(sha: string): Json {
    const example = contract!.example('GET /repos/{owner}/{repo}/commits/{ref}/check-runs', '200') as {
      check_runs: Json[];
    };
    const template = example.check_runs[0]!;
    const runs = (this.checks.get(sha) ?? []).map((c, i) => ({
      ...structuredClone(template),
      id: 9000 + i,
      name: c.name,
      head_sha: sha,
      status: c.status,
      conclusion: c.conclusion,
      html_url: this.web(`/runs/${9000 + i}`),
      details_url: this.web(`/runs/${9000 + i}`),
      completed_at: c.status === 'completed' ? new Date(0).toISOString() : null,
      output: { ...(template.output as Json), title: c.title ?? null, summary: c.summary ?? null, text: null },
    }));
    return { total_count: runs.length, check_runs: runs };
  }

  private statusJson(sha: string): Json {
    const json = contract!.example('GET /repos/{owner}/{repo}/commits/{ref}/status', '200') as Json;
    const template = (json.statuses as Json[])[0]!;
    const statuses = (this.statuses.get(sha) ?? []).map((s, i) => ({
      ...structuredClone(template),
      id: 7000 + i,
      context: s.context,
      state: s.state,
      description: s.description,
      target_url: this.web(`/status/${7000 + i}`),
    }));
    const state = statuses.some((s) => s.state === 'failure' || s.state === 'error')
      ? 'failure'
      : statuses.some((s) => s.state === 'pending') || statuses.length === 0
        ? 'pending'
        : 'success';
    return Object.assign(json, { sha, state, statuses, total_count: statuses.length });
  }

  private issueJson(issue: StandInIssue): Json {
    // The list's example: the single issue's own example lacks fields its schema requires.
    const json = (contract!.example('GET /repos/{owner}/{repo}/issues', '200') as Json[])[0]!;
    const label = ((json.labels as Json[] | undefined)?.[0] ?? {
      id: 1,
      node_id: 'LA_1',
      url: `${this.url}/labels/x`,
      description: null,
      color: 'ededed',
      default: false,
    }) as Json;
    Object.assign(json, {
      id: 3000 + issue.number,
      number: issue.number,
      title: issue.title,
      body: issue.body,
      state: issue.state,
      html_url: this.web(`/${issue.pullRequest ? 'pull' : 'issues'}/${issue.number}`),
      labels: issue.labels.map((name, i) => ({ ...label, id: 100 + i, name })),
    });
    if (issue.pullRequest)
      json.pull_request = {
        url: `${this.url}/repos/${this.options.owner}/${this.options.name}/pulls/${issue.number}`,
        html_url: this.web(`/pull/${issue.number}`),
        diff_url: this.web(`/pull/${issue.number}.diff`),
        patch_url: this.web(`/pull/${issue.number}.patch`),
        merged_at: null,
      };
    else delete json.pull_request;
    return json;
  }
}

function notFound(): Answer {
  return new Answer(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
}

export async function startGithubStandIn(options: StandInOptions): Promise<GithubStandIn> {
  return new GithubStandIn(options).start();
}
