import { createSignal, For, Index, Show } from 'solid-js';
import type { AgentRequest, QuestionInfo } from '../../../shared/requests.js';
import { api } from '../state/api.js';
import { removeRequest } from '../state/requests.js';
import { attempt, errorReason } from '../state/toasts.js';

/** The whole command or path a permission is about, as the tool gave it. */
function subject(request: AgentRequest): string | null {
  const m = request.metadata ?? {};
  for (const key of ['command', 'filepath', 'filePath', 'path', 'url']) {
    const value = m[key];
    if (typeof value === 'string' && value.trim()) return value;
  }
  return null;
}

/** Sends an answer; a request that is already gone leaves the panel (the agent moved on). */
async function send(request: AgentRequest, what: string, call: () => Promise<unknown>): Promise<void> {
  let gone = false;
  await attempt(what, async () => {
    try {
      await call();
    } catch (err) {
      gone = errorReason(err) === 'not-found';
      throw err;
    }
  });
  if (gone) removeRequest(request.taskId, request.id);
}

function PermissionRequest(props: { request: AgentRequest }) {
  const [message, setMessage] = createSignal('');
  const [busy, setBusy] = createSignal(false);
  const r = () => props.request;
  const reply = async (reply: 'once' | 'always' | 'reject') => {
    setBusy(true);
    const text = message().trim();
    await send(r(), 'Answering the agent failed', () =>
      api().requests.reply.mutate({
        taskId: r().taskId,
        requestId: r().id,
        reply,
        ...(reply === 'reject' && text ? { message: text } : {}),
      }),
    );
    setBusy(false);
  };
  return (
    <div class="request" data-testid="request" data-kind="permission">
      <p class="request-title">
        The agent asks to use <code data-testid="request-tool">{r().permission}</code>
      </p>
      <Show when={r().patterns?.length && r().patterns?.join('\n') !== subject(r())}>
        <ul class="request-patterns">
          <For each={r().patterns}>{(p) => <li>{p}</li>}</For>
        </ul>
      </Show>
      <Show when={subject(r())}>
        {(s) => (
          <pre class="request-subject" data-testid="request-subject">
            {s()}
          </pre>
        )}
      </Show>
      <input
        class="request-message"
        value={message()}
        onInput={(e) => setMessage(e.currentTarget.value)}
        placeholder="Why not? (optional, sent to the agent with Reject)"
        aria-label="Message for the agent with Reject"
      />
      <div class="form-actions">
        <button type="button" class="button primary" disabled={busy()} onClick={() => reply('once')}>
          Allow once
        </button>
        <button type="button" class="button" disabled={busy()} onClick={() => reply('always')}>
          Always allow
        </button>
        <button type="button" class="button danger" disabled={busy()} onClick={() => reply('reject')}>
          Reject
        </button>
      </div>
    </div>
  );
}

function QuestionField(props: { q: QuestionInfo; index: number; value: string[]; onChange(v: string[]): void }) {
  const multiple = () => props.q.multiple === true;
  const toggle = (label: string, on: boolean) =>
    props.onChange(multiple() ? (on ? [...props.value, label] : props.value.filter((v) => v !== label)) : [label]);
  return (
    <fieldset class="question">
      <legend>{props.q.header || `Question ${props.index + 1}`}</legend>
      <p>{props.q.question}</p>
      <For each={props.q.options}>
        {(option) => (
          <label class="check">
            <input
              type={multiple() ? 'checkbox' : 'radio'}
              name={`question-${props.index}`}
              value={option.label}
              checked={props.value.includes(option.label)}
              onChange={(e) => toggle(option.label, e.currentTarget.checked)}
            />
            <span>
              {option.label}
              <Show when={option.description}>
                <small> · {option.description}</small>
              </Show>
            </span>
          </label>
        )}
      </For>
      <Show when={props.q.custom !== false}>
        <input
          placeholder="Or type your own answer"
          aria-label={`Your own answer to: ${props.q.question}`}
          onInput={(e) => {
            const text = e.currentTarget.value.trim();
            props.onChange(text ? [text] : []);
          }}
        />
      </Show>
    </fieldset>
  );
}

function QuestionRequest(props: { request: AgentRequest }) {
  const questions = () => props.request.questions ?? [];
  const [answers, setAnswers] = createSignal<string[][]>(questions().map(() => []));
  const [busy, setBusy] = createSignal(false);
  const r = () => props.request;
  const complete = () => answers().every((a) => a.length > 0);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    await send(r(), 'Answering the agent failed', () =>
      api().requests.answer.mutate({ taskId: r().taskId, requestId: r().id, answers: answers() }),
    );
    setBusy(false);
  };
  const dismiss = async () => {
    setBusy(true);
    await send(r(), 'Dismissing the question failed', () =>
      api().requests.dismiss.mutate({ taskId: r().taskId, requestId: r().id }),
    );
    setBusy(false);
  };
  return (
    <form class="request" data-testid="request" data-kind="question" onSubmit={submit}>
      <p class="request-title">The agent asks you</p>
      <Index each={questions()}>
        {(q, i) => (
          <QuestionField
            q={q()}
            index={i}
            value={answers()[i] ?? []}
            onChange={(v) => setAnswers((all) => all.map((a, j) => (j === i ? v : a)))}
          />
        )}
      </Index>
      <div class="form-actions">
        <button type="button" class="button" disabled={busy()} onClick={dismiss}>
          Dismiss
        </button>
        <button type="submit" class="button primary" disabled={busy() || !complete()}>
          Answer
        </button>
      </div>
    </form>
  );
}

/** At the top of the drawer: what the agent waits for, with the buttons that answer it. */
export function RequestPanel(props: { requests: AgentRequest[] }) {
  return (
    <Show when={props.requests.length > 0}>
      <section class="requests" aria-label="The agent needs you">
        <For each={props.requests}>
          {(request) =>
            request.kind === 'permission' ? <PermissionRequest request={request} /> : <QuestionRequest request={request} />
          }
        </For>
      </section>
    </Show>
  );
}
