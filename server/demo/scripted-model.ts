import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback OpenAI-compatible chat-completions server that answers from a script, so opencode
 * can run its real agent loop (tools, retries, errors) without a network or an API key.
 */

export type ScriptToolCall = { name: string; args: Record<string, unknown> };
/** `retryAfter`: seconds, sent as a `Retry-After` header (a rate limit that says when). */
export type ScriptError = { status: number; message: string; retryAfter?: number };
/**
 * How a streamed answer ends when it misbehaves: `cut` destroys the socket after the text
 * chunks (a connection dropped mid-answer), `hang` keeps the stream open with nothing more.
 */
export type StreamFault = 'cut' | 'hang';
export type ScriptTurn = ({ text: string; fault?: StreamFault } | { toolCalls: ScriptToolCall[] } | { error: ScriptError }) & {
  delayMs?: number;
  usage?: { prompt: number; completion: number };
};
export type ScriptRequest = {
  system: string;
  /** Text of the latest user message. */
  userText: string;
  allUserText: string;
  lastRole: string;
  /** Tool messages since the last user message. */
  toolResults: string[];
  isTitleRequest: boolean;
  hasTools: boolean;
  /** The names of the tools the model may call (OpenCode's own and those of MCP servers). */
  toolNames: string[];
};
export type Responder = (req: ScriptRequest) => ScriptTurn | Promise<ScriptTurn>;

export interface ScriptedModel {
  /** `http://127.0.0.1:PORT/v1` */
  baseUrl: string;
  requests: ScriptRequest[];
  setResponder(r: Responder): void;
  close(): Promise<void>;
}

type ChatMessage = { role?: unknown; content?: unknown };
type ChatBody = { messages?: unknown; tools?: unknown; stream?: unknown };

export async function startScriptedModel(responder: Responder): Promise<ScriptedModel> {
  let current = responder;
  const requests: ScriptRequest[] = [];
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendError(res, 500, err instanceof Error ? err.message : String(err));
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
      sendError(res, 404, `scripted model: no route for ${req.method} ${req.url}`);
      return;
    }
    const body = JSON.parse(await readBody(req)) as ChatBody;
    const request = toScriptRequest(body);
    requests.push(request);
    let closed = false;
    res.on('close', () => {
      closed = true;
    });
    const turn = await current(request);
    if (turn.delayMs) await sleepUnlessClosed(turn.delayMs, res);
    if (closed) return;
    if ('error' in turn) {
      sendError(res, turn.error.status, turn.error.message, turn.error.retryAfter);
      return;
    }
    const stream = body.stream !== false;
    writeTurn(res, turn, request, stream);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    setResponder(r) {
      current = r;
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** The provider config that points opencode at a scripted model, as model `scripted/scripted`. */
export function scriptedOpencodeConfig(baseUrl: string): Record<string, unknown> {
  return {
    provider: {
      scripted: {
        npm: '@ai-sdk/openai-compatible',
        options: { baseURL: baseUrl, apiKey: 'x' },
        models: { scripted: { name: 'Scripted', tool_call: true } },
      },
    },
    model: 'scripted/scripted',
    small_model: 'scripted/scripted',
    autoupdate: false,
    share: 'disabled',
    permission: { edit: 'allow', bash: 'allow', question: 'deny', webfetch: 'deny' },
  };
}

/** Answers non-title requests with `turns` in order, then `fallback` (or a 400 when there is none). */
export function queueResponder(turns: ScriptTurn[], fallback?: ScriptTurn): Responder {
  const queue = [...turns];
  return (req) => {
    if (req.isTitleRequest) return { text: 'Title' };
    const next = queue.shift() ?? fallback;
    if (next) return next;
    return { error: { status: 400, message: 'scripted model: the script has no turn left' } };
  };
}

function toScriptRequest(body: ChatBody): ScriptRequest {
  const messages = (Array.isArray(body.messages) ? body.messages : []) as ChatMessage[];
  const hasTools = Array.isArray(body.tools) && body.tools.length > 0;
  const toolNames = (hasTools ? (body.tools as Array<{ function?: { name?: unknown } }>) : [])
    .map((t) => t.function?.name)
    .filter((n): n is string => typeof n === 'string');
  const system = messages
    .filter((m) => m.role === 'system')
    .map((m) => textOf(m.content))
    .join('\n');
  const userTexts = messages.filter((m) => m.role === 'user').map((m) => textOf(m.content));
  const lastUser = messages.map((m) => m.role).lastIndexOf('user');
  const toolResults = messages
    .slice(lastUser + 1)
    .filter((m) => m.role === 'tool')
    .map((m) => textOf(m.content));
  return {
    system,
    userText: userTexts.at(-1) ?? '',
    allUserText: userTexts.join('\n'),
    lastRole: typeof messages.at(-1)?.role === 'string' ? String(messages.at(-1)?.role) : '',
    toolResults,
    // opencode names sessions with a separate tool-less call whose system prompt asks for a title.
    isTitleRequest: !hasTools && /title/i.test(system),
    hasTools,
    toolNames,
  };
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((p: unknown) => (p && typeof p === 'object' && 'text' in p && typeof p.text === 'string' ? p.text : ''))
    .join('');
}

function writeTurn(res: ServerResponse, turn: ScriptTurn, req: ScriptRequest, stream: boolean): void {
  const id = `chatcmpl-${Math.random().toString(36).slice(2)}`;
  const created = Math.floor(Date.now() / 1000);
  const text = 'text' in turn ? turn.text : '';
  const toolCalls =
    'toolCalls' in turn
      ? turn.toolCalls.map((c, index) => ({
          index,
          id: `call_${Math.random().toString(36).slice(2, 10)}`,
          type: 'function',
          function: { name: c.name, arguments: JSON.stringify(c.args) },
        }))
      : [];
  const promptTokens = turn.usage?.prompt ?? Math.max(1, Math.ceil((req.system.length + req.allUserText.length) / 4));
  const completionTokens = turn.usage?.completion ?? Math.max(1, Math.ceil((text.length + JSON.stringify(toolCalls).length) / 4));
  const usage = {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
  };
  const finish = toolCalls.length > 0 ? 'tool_calls' : 'stop';
  const base = { id, created, model: 'scripted' };

  if (!stream) {
    const message = { role: 'assistant', content: text || null, ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}) };
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({ ...base, object: 'chat.completion', choices: [{ index: 0, message, finish_reason: finish }], usage }),
    );
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  const chunk = (delta: Record<string, unknown>, finishReason: string | null, extra: Record<string, unknown> = {}) =>
    `data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finishReason }], ...extra })}\n\n`;
  for (const piece of splitText(text)) res.write(chunk({ role: 'assistant', content: piece }, null));
  if ('fault' in turn && turn.fault) {
    // The chunks reach the client first; then the connection drops, or stays open and silent.
    if (turn.fault === 'cut') res.write('', () => res.socket?.destroy());
    return;
  }
  if (toolCalls.length > 0) res.write(chunk({ role: 'assistant', tool_calls: toolCalls }, null));
  res.write(chunk({}, finish, { usage }));
  res.end('data: [DONE]\n\n');
}

/** A few chunks, so opencode emits several deltas. */
function splitText(text: string): string[] {
  if (text.length === 0) return [];
  const size = Math.max(1, Math.ceil(text.length / 3));
  const pieces: string[] = [];
  for (let i = 0; i < text.length; i += size) pieces.push(text.slice(i, i + size));
  return pieces;
}

function sendError(res: ServerResponse, status: number, message: string, retryAfter?: number): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    ...(retryAfter !== undefined ? { 'retry-after': String(retryAfter) } : {}),
  });
  res.end(JSON.stringify({ error: { message, type: status < 500 ? 'invalid_request_error' : 'server_error', code: null } }));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sleepUnlessClosed(ms: number, res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    res.on('close', done);
    function done() {
      clearTimeout(timer);
      res.off('close', done);
      resolve();
    }
  });
}
