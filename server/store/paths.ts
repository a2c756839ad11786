import path from 'node:path';
import { TASK_ID_PATTERN } from '../../shared/task.js';
import { InvalidInputError } from '../errors.js';

export const STUDIO_DIR = '.opencode-studio';

export type FileKind = 'task' | 'plan' | 'review' | 'comments' | 'config';

/** Every path under `.opencode-studio/` is built here, and only from a validated id. */
export class WorkspacePaths {
  readonly dir: string;
  constructor(readonly root: string) {
    this.dir = path.join(root, STUDIO_DIR);
  }

  get config(): string {
    return path.join(this.dir, 'config.json');
  }
  get tasks(): string {
    return path.join(this.dir, 'tasks');
  }
  get plans(): string {
    return path.join(this.dir, 'plans');
  }
  get reviews(): string {
    return path.join(this.dir, 'reviews');
  }
  get comments(): string {
    return path.join(this.dir, 'comments');
  }
  get prompts(): string {
    return path.join(this.dir, 'prompts');
  }
  get runtime(): string {
    return path.join(this.dir, 'runtime');
  }
  get serverInfo(): string {
    return path.join(this.runtime, 'server.json');
  }
  /** Held from the start of a studio to its end; server.json appears only once it is listening. */
  get startLock(): string {
    return path.join(this.runtime, 'studio.lock');
  }
  get opencodePid(): string {
    return path.join(this.runtime, 'opencode.pid');
  }
  /** The warm worktree slots and their states. */
  get slots(): string {
    return path.join(this.runtime, 'slots.json');
  }
  /** Which task (or spare slot) holds which port of config portRange. */
  get ports(): string {
    return path.join(this.runtime, 'ports.json');
  }
  /** Process groups the studio started (dev servers, slot setups): the next start reaps those a killed studio left. */
  get children(): string {
    return path.join(this.runtime, 'children.json');
  }

  task(id: string): string {
    return path.join(this.tasks, `${assertId(id)}.json`);
  }
  plan(id: string): string {
    return path.join(this.plans, `${assertId(id)}.md`);
  }
  review(id: string): string {
    return path.join(this.reviews, `${assertId(id)}.md`);
  }
  commentsOf(id: string): string {
    return path.join(this.comments, `${assertId(id)}.json`);
  }
  activity(id: string): string {
    return path.join(this.runtime, 'activity', `${assertId(id)}.jsonl`);
  }

  /** What a path under `.opencode-studio/` holds, or null for anything the studio does not own (temp files, runtime/). */
  classify(file: string): { kind: FileKind; id: string | null } | null {
    const rel = path.relative(this.dir, file);
    if (rel === 'config.json') return { kind: 'config', id: null };
    const [folder, name, ...rest] = rel.split(path.sep);
    if (!name || rest.length > 0) return null;
    const kinds: Record<string, [FileKind, string]> = {
      tasks: ['task', '.json'],
      plans: ['plan', '.md'],
      reviews: ['review', '.md'],
      comments: ['comments', '.json'],
    };
    const kind = folder ? kinds[folder] : undefined;
    if (!kind || !name.endsWith(kind[1])) return null;
    const id = name.slice(0, -kind[1].length);
    return TASK_ID_PATTERN.test(id) ? { kind: kind[0], id } : null;
  }

  relative(file: string): string {
    return path.relative(this.root, file);
  }
}

export function isTaskId(id: string): boolean {
  return TASK_ID_PATTERN.test(id);
}

export function assertId(id: string): string {
  if (typeof id !== 'string' || !TASK_ID_PATTERN.test(id))
    throw new InvalidInputError(`invalid task id ${JSON.stringify(String(id).slice(0, 80))}`);
  return id;
}
