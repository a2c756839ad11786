import path from 'node:path';
import type { Problem } from '../../shared/events.js';
import { openRepo } from '../git/repo.js';
import type { GithubService } from '../github/github-service.js';
import type { AgentActions } from '../orchestrator/agent-actions.js';
import type { StudioStore } from '../store/studio-store.js';
import { STUDIO_VERSION } from '../version.js';
import type { TrustService } from './trust-service.js';

export class ProjectService {
  constructor(
    private readonly store: StudioStore,
    private readonly agent: AgentActions,
    private readonly trust: TrustService,
    private readonly github: GithubService,
    private readonly demo: boolean,
  ) {}

  async info() {
    const repo = await openRepo(this.store.paths.root);
    const config = this.store.config.get();
    const github = await this.github.info();
    return {
      root: repo.root,
      name: path.basename(repo.root),
      branch: await repo.currentBranch(),
      baseBranch: config.baseBranch,
      opencode: this.agent.status(),
      config,
      problems: this.problems(),
      storage: this.store.storage.get(),
      trust: await this.trust.state(),
      version: STUDIO_VERSION,
      demo: this.demo,
      github,
      slots: this.agent.env?.slots.list() ?? [],
    };
  }

  problems(): Problem[] {
    return this.store.problems.list();
  }
}
