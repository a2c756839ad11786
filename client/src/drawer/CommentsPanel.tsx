import { createSignal, For, Show } from 'solid-js';
import { commentPlace } from '../../../shared/comment-place.js';
import type { ReviewComment } from '../../../shared/comments.js';
import { allows } from '../../../shared/lifecycle.js';
import type { Task } from '../../../shared/task.js';
import type { JumpTo, LinePick } from '../diff/DiffView.js';
import { addComment, deleteComment, editComment, resolveComment } from '../state/comments.js';
import { requestChanges } from '../state/task-actions.js';

const STATUS_TEXT = { open: 'open', outdated: 'outdated: the lines changed since', resolved: 'resolved' } as const;

/** The form for a comment on the picked lines. */
export function CommentComposer(props: { task: Task; pick: LinePick; onDone(): void }) {
  const [body, setBody] = createSignal('');
  const [busy, setBusy] = createSignal(false);
  const place = () => commentPlace({ path: props.pick.path, line: props.pick.start, endLine: props.pick.end });
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    const p = props.pick;
    const ok = await addComment(props.task.id, {
      path: p.path,
      side: p.side,
      line: p.start,
      ...(p.end > p.start ? { endLine: p.end } : {}),
      body: body().trim(),
    });
    setBusy(false);
    if (ok) props.onDone();
  };
  return (
    <form class="comment-composer" data-testid="comment-composer" onSubmit={submit}>
      <span class="composer-place">
        Comment on <code>{place()}</code>
        {props.pick.side === 'old' ? ' (removed lines)' : ''}
      </span>
      <textarea
        rows={3}
        aria-label={`Comment on ${place()}`}
        value={body()}
        onInput={(e) => setBody(e.currentTarget.value)}
        placeholder="What should change here?"
      />
      <div class="form-actions">
        <button type="button" class="button small" onClick={() => props.onDone()}>
          Cancel
        </button>
        <button type="submit" class="button small primary" disabled={busy() || !body().trim()}>
          Add comment
        </button>
      </div>
    </form>
  );
}

function CommentItem(props: { task: Task; comment: ReviewComment; onJump(to: JumpTo): void }) {
  const c = () => props.comment;
  const [editing, setEditing] = createSignal(false);
  const [text, setText] = createSignal('');
  return (
    <li class={`comment comment-${c().status}`} data-testid="comment" data-status={c().status} data-comment-id={c().id}>
      <div class="comment-head">
        <button type="button" class="link" onClick={() => props.onJump({ path: c().path, side: c().side, line: c().line })}>
          {commentPlace(c())}
        </button>
        <Show when={c().author !== 'person'}>
          <span class="meta-chip">{c().author === 'ai' ? 'AI review' : 'Agent'}</span>
        </Show>
        <span class={`meta-chip chip-${c().status}`}>{STATUS_TEXT[c().status]}</span>
        <span class="spacer" />
        <Show
          when={c().status !== 'resolved'}
          fallback={
            <button type="button" class="button small quiet" onClick={() => void resolveComment(props.task.id, c().id, false)}>
              Reopen
            </button>
          }
        >
          <button type="button" class="button small" onClick={() => void resolveComment(props.task.id, c().id, true)}>
            Resolve
          </button>
        </Show>
        <Show when={c().author === 'person'}>
          <button
            type="button"
            class="button small quiet"
            onClick={() => {
              setText(c().body);
              setEditing(true);
            }}
          >
            Edit
          </button>
        </Show>
        <button type="button" class="button small quiet" onClick={() => void deleteComment(props.task.id, c().id)}>
          Delete
        </button>
      </div>
      <Show when={c().status === 'outdated' && c().quote.length > 0}>
        <pre class="comment-quote" title="The lines as they were when commented">
          {c().quote.join('\n')}
        </pre>
      </Show>
      <Show when={editing()} fallback={<p class="comment-body">{c().body}</p>}>
        <form
          class="comment-edit"
          onSubmit={async (e) => {
            e.preventDefault();
            if (await editComment(props.task.id, c().id, text().trim())) setEditing(false);
          }}
        >
          <textarea rows={3} aria-label="Edit the comment" value={text()} onInput={(e) => setText(e.currentTarget.value)} />
          <div class="form-actions">
            <button type="button" class="button small" onClick={() => setEditing(false)}>
              Cancel
            </button>
            <button type="submit" class="button small primary" disabled={!text().trim()}>
              Save
            </button>
          </div>
        </form>
      </Show>
    </li>
  );
}

/** Every comment on the diff; from Review, the open ones go to the agent with Request changes. */
export function CommentsPanel(props: { task: Task; comments: ReviewComment[]; onJump(to: JumpTo): void }) {
  const [feedback, setFeedback] = createSignal('');
  const [busy, setBusy] = createSignal(false);
  const open = () => props.comments.filter((c) => c.status === 'open' && c.author === 'person');
  const canSend = () => props.task.status === 'review' && allows('requestChanges', props.task) && open().length > 0;
  const send = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    const text = feedback().trim() || 'Act on the comments on lines of the diff.';
    if (await requestChanges(props.task, text)) setFeedback('');
    setBusy(false);
  };
  return (
    <section class="comments" data-testid="comments" aria-label="Review comments">
      <Show when={props.comments.length > 0}>
        <ul class="comment-list">
          <For each={props.comments}>{(c) => <CommentItem task={props.task} comment={c} onJump={props.onJump} />}</For>
        </ul>
      </Show>
      <Show when={canSend()}>
        <form class="comments-send" onSubmit={send}>
          <input
            aria-label="Feedback with the comments"
            placeholder="Anything to add to the comments? (optional)"
            value={feedback()}
            onInput={(e) => setFeedback(e.currentTarget.value)}
          />
          <button type="submit" class="button primary small" disabled={busy()}>
            Request changes ({open().length} {open().length === 1 ? 'comment' : 'comments'})
          </button>
        </form>
      </Show>
    </section>
  );
}
