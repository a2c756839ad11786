import { afterEach, describe, expect, it } from 'vitest';
import {
  queueResponder,
  type ScriptedModel,
  scriptedOpencodeConfig,
  startScriptedModel,
} from '../../server/demo/scripted-model.js';

let model: ScriptedModel | null = null;
afterEach(async () => {
  await model?.close();
  model = null;
});

function chat(messages: unknown[], extra: Record<string, unknown> = {}): Promise<Response> {
  return fetch(`${model!.baseUrl}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'scripted',
      stream: true,
      messages,
      tools: [{ type: 'function', function: { name: 'write' } }],
      ...extra,
    }),
  });
}

type Chunk = {
  object: string;
  choices: {
    delta: { content?: string; tool_calls?: { function: { name: string; arguments: string } }[] };
    finish_reason: string | null;
  }[];
  usage?: { total_tokens: number };
};

async function chunks(res: Response): Promise<{ chunks: Chunk[]; done: boolean }> {
  const body = await res.text();
  const events = body.split('\n\n').filter((e) => e !== '');
  for (const e of events) expect(e.startsWith('data: ')).toBe(true);
  const data = events.map((e) => e.slice('data: '.length));
  return { chunks: data.filter((d) => d !== '[DONE]').map((d) => JSON.parse(d) as Chunk), done: data.at(-1) === '[DONE]' };
}

describe('scripted model', () => {
  it('streams text as several SSE chunks with usage, ending in [DONE]', async () => {
    model = await startScriptedModel(() => ({ text: 'Hello from the script, in pieces.', usage: { prompt: 7, completion: 5 } }));
    const res = await chat([
      { role: 'system', content: 'be brief' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'hi ' },
          { type: 'text', text: 'there' },
        ],
      },
    ]);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const { chunks: all, done } = await chunks(res);
    expect(done).toBe(true);
    expect(all.every((c) => c.object === 'chat.completion.chunk')).toBe(true);
    const text = all.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe('Hello from the script, in pieces.');
    expect(all.filter((c) => c.choices[0]?.delta.content).length).toBeGreaterThan(1);
    const last = all.at(-1)!;
    expect(last.choices[0]?.finish_reason).toBe('stop');
    expect(last.usage?.total_tokens).toBe(12);
    expect(model.requests[0]).toMatchObject({
      system: 'be brief',
      userText: 'hi there',
      lastRole: 'user',
      isTitleRequest: false,
      hasTools: true,
    });
  });

  it('sends tool calls with JSON string arguments and finish_reason tool_calls', async () => {
    model = await startScriptedModel(() => ({ toolCalls: [{ name: 'write', args: { filePath: 'a.md', content: 'x' } }] }));
    const { chunks: all } = await chunks(await chat([{ role: 'user', content: 'write' }]));
    const call = all.flatMap((c) => c.choices[0]?.delta.tool_calls ?? [])[0];
    expect(call?.function.name).toBe('write');
    expect(JSON.parse(call!.function.arguments)).toEqual({ filePath: 'a.md', content: 'x' });
    expect(all.at(-1)?.choices[0]?.finish_reason).toBe('tool_calls');
  });

  it('answers errors as JSON with the scripted status', async () => {
    model = await startScriptedModel(() => ({ error: { status: 400, message: 'no such thing' } }));
    const res = await chat([{ role: 'user', content: 'x' }]);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { message: 'no such thing' } });
  });

  it('queueResponder pops turns in order, answers title requests apart, then falls back', async () => {
    model = await startScriptedModel(queueResponder([{ text: 'one' }, { text: 'two' }], { text: 'rest' }));
    const title = await chunks(
      await chat(
        [
          { role: 'system', content: 'You are a title generator.' },
          { role: 'user', content: 'x' },
        ],
        { tools: undefined },
      ),
    );
    expect(title.chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Title');
    const texts: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { chunks: all } = await chunks(await chat([{ role: 'user', content: 'x' }]));
      texts.push(all.map((c) => c.choices[0]?.delta.content ?? '').join(''));
    }
    expect(texts).toEqual(['one', 'two', 'rest']);
    expect(model.requests[0]?.isTitleRequest).toBe(true);
  });

  it('collects the tool results since the last user message', async () => {
    model = await startScriptedModel(queueResponder([{ text: 'ok' }]));
    await chunks(
      await chat([
        { role: 'user', content: 'first' },
        { role: 'tool', tool_call_id: 'a', content: 'old result' },
        { role: 'user', content: 'second' },
        { role: 'assistant', content: null, tool_calls: [] },
        { role: 'tool', tool_call_id: 'b', content: 'new result' },
      ]),
    );
    expect(model.requests[0]).toMatchObject({
      userText: 'second',
      allUserText: 'first\nsecond',
      lastRole: 'tool',
      toolResults: ['new result'],
    });
  });

  it('gives opencode a provider config for scripted/scripted', () => {
    const config = scriptedOpencodeConfig('http://127.0.0.1:1/v1');
    expect(config.model).toBe('scripted/scripted');
    expect(JSON.stringify(config.provider)).toContain('http://127.0.0.1:1/v1');
  });
});
