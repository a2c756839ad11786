import { isAbsolute, relative } from 'node:path';
import type { AssistantMessage, Message, Part, ToolPart } from '@opencode-ai/sdk/v2';
import type { ActivityEntry } from '../../shared/activity.js';
import type { AgentPhase } from '../../shared/task.js';

type Tokens = AssistantMessage['tokens'];
type MessageError = NonNullable<AssistantMessage['error']>;

/**
 * Turns opencode's part updates for one session into activity entries: one per finished text
 * part (not per delta), one per tool state change, one per step.
 */
export class PartActivity {
  readonly #phase: AgentPhase;
  readonly #directory: string;
  readonly #emit: (e: ActivityEntry) => void;
  readonly #texts = new Map<string, { text: string; emitted: boolean }>();
  readonly #toolStates = new Map<string, string>();
  readonly #userMessages = new Set<string>();

  constructor(phase: AgentPhase, directory: string, emit: (e: ActivityEntry) => void) {
    this.#phase = phase;
    this.#directory = directory;
    this.#emit = emit;
  }

  /** opencode announces each message before its parts; the prompt's own text is not activity. */
  message(info: Message): void {
    if (info.role === 'user') this.#userMessages.add(info.id);
  }

  part(part: Part): void {
    const at = new Date().toISOString();
    const phase = this.#phase;
    if (part.type === 'text') {
      if (part.synthetic || part.ignored || this.#userMessages.has(part.messageID)) return;
      const seen = this.#texts.get(part.id) ?? { text: '', emitted: false };
      seen.text = part.text;
      this.#texts.set(part.id, seen);
      if (part.time?.end !== undefined) this.#emitText(part.id);
    } else if (part.type === 'tool') {
      const state = part.state.status;
      // A pending tool has no input yet, so nothing readable to show.
      if (state === 'pending' || this.#toolStates.get(part.id) === state) return;
      this.#toolStates.set(part.id, state);
      const durationMs = state === 'completed' || state === 'error' ? part.state.time.end - part.state.time.start : null;
      this.#emit({
        kind: 'tool',
        at,
        phase,
        partId: part.id,
        tool: part.tool,
        title: toolTitle(part, this.#directory),
        state,
        durationMs,
      });
    } else if (part.type === 'step-finish') {
      this.#emit({ kind: 'step', at, phase, tokens: tokenCount(part.tokens), cost: part.cost });
    }
  }

  delta(partId: string, field: string, delta: string): void {
    const seen = this.#texts.get(partId);
    if (seen && field === 'text' && !seen.emitted) seen.text += delta;
  }

  /** Emits text cut short (an abort, a crash) that never got its final update. */
  flush(): void {
    for (const id of this.#texts.keys()) this.#emitText(id);
  }

  error(message: string, attempt?: number, retryAt?: string): void {
    this.#emit({
      kind: 'error',
      at: new Date().toISOString(),
      phase: this.#phase,
      message,
      ...(attempt === undefined ? {} : { attempt }),
      ...(retryAt === undefined ? {} : { retryAt }),
    });
  }

  #emitText(id: string): void {
    const seen = this.#texts.get(id);
    if (!seen || seen.emitted || seen.text.trim() === '') return;
    seen.emitted = true;
    this.#emit({ kind: 'text', at: new Date().toISOString(), phase: this.#phase, partId: id, text: seen.text });
  }
}

/** A one-line description of a tool call, such as "editing src/app.ts". */
export function toolTitle(part: ToolPart, directory: string): string {
  const input = part.state.input;
  const str = (key: string) => (typeof input[key] === 'string' ? (input[key] as string) : '');
  const path = (key: string) => shortPath(str(key), directory);
  switch (part.tool) {
    case 'write':
      return `writing ${path('filePath')}`;
    case 'edit':
    case 'multiedit':
      return `editing ${path('filePath')}`;
    case 'read':
      return `reading ${path('filePath')}`;
    case 'bash':
      return `running ${clip(str('command'), 80)}`;
    case 'grep':
      return `searching for ${clip(str('pattern'), 60)}`;
    case 'glob':
      return `finding files ${clip(str('pattern'), 60)}`;
    case 'list':
      return `listing ${path('path') || '.'}`;
    case 'webfetch':
      return `fetching ${str('url')}`;
    case 'todowrite':
      return 'updating the todo list';
    case 'task':
      return `delegating: ${clip(str('description'), 60)}`;
  }
  const title = 'title' in part.state ? part.state.title : undefined;
  return title ? `${part.tool}: ${clip(title, 80)}` : part.tool;
}

export function tokenCount(t: Tokens): number {
  return t.total ?? t.input + t.output + t.reasoning + t.cache.read + t.cache.write;
}

/** The readable message of an opencode or provider error, e.g. the model's own 4xx message. */
export function errorMessage(err: MessageError | { name?: string; data?: unknown } | undefined): string {
  if (!err) return 'unknown error';
  const data = err.data as { message?: unknown; statusCode?: unknown } | undefined;
  const message = typeof data?.message === 'string' && data.message.trim() ? data.message.trim() : (err.name ?? 'unknown error');
  return typeof data?.statusCode === 'number' ? `${message} (HTTP ${data.statusCode})` : message;
}

function shortPath(p: string, directory: string): string {
  if (!p || !isAbsolute(p)) return p;
  const rel = relative(directory, p);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : p;
}

function clip(s: string, max: number): string {
  const line = s.split('\n')[0] ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
