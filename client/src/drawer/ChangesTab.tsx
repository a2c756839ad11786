import { createEffect, createMemo, createSignal, on, Show } from 'solid-js';
import type { TaskDiff } from '../../../shared/api.js';
import type { Task } from '../../../shared/task.js';
import { annotate } from '../diff/annotate.js';
import { DiffView, type JumpTo, type LinePick } from '../diff/DiffView.js';
import { FileList } from '../diff/FileList.js';
import { parsePatch } from '../diff/parse-patch.js';
import { api } from '../state/api.js';
import { loadComments } from '../state/comments.js';
import { details } from '../state/details.js';
import { errorText } from '../state/toasts.js';
import { Icon } from '../ui/Icon.js';
import { CommentComposer, CommentsPanel } from './CommentsPanel.js';

type Loaded = { diff: TaskDiff } | { error: string } | null;

/** The task branch against its base: refetched when the agent moves the task on. */
export function ChangesTab(props: { task: Task }) {
  const [loaded, setLoaded] = createSignal<Loaded>(null);
  const [jump, setJump] = createSignal<JumpTo | null>(null);
  const [pick, setPick] = createSignal<LinePick | null>(null);
  let request = 0;
  const comments = () => details[props.task.id]?.comments ?? [];
  createEffect(
    on(
      () => props.task.id,
      (id) => void loadComments(id),
    ),
  );
  // Shift-click extends the picked lines within one file and side; any other click starts again.
  const picking = {
    selected: (path: string, side: string, line: number) => {
      const p = pick();
      return !!p && p.path === path && p.side === side && line >= p.start && line <= p.end;
    },
    pick: (at: LinePick, extend: boolean) => {
      const p = pick();
      if (extend && p && p.path === at.path && p.side === at.side)
        setPick({ ...p, start: Math.min(p.start, at.start), end: Math.max(p.end, at.end) });
      else setPick(at);
    },
  };

  // Nothing to ask for before the agent made a branch, nor once the merge removed it (a 412 otherwise).
  const hasBranch = () => props.task.branch !== null && props.task.status !== 'done';
  const load = async () => {
    const mine = ++request;
    if (!hasBranch()) return;
    try {
      const diff = await api().tasks.diff.query({ id: props.task.id });
      if (mine === request) setLoaded({ diff });
    } catch (err) {
      if (mine === request) setLoaded({ error: errorText(err) });
    }
  };
  createEffect(
    on(
      [
        () => props.task.id,
        () => props.task.status,
        () => props.task.run?.state,
        () => props.task.branch,
        () => details[props.task.id]?.head,
      ],
      () => void load(),
    ),
  );

  const diff = () => {
    const l = loaded();
    return l && 'diff' in l ? l.diff : null;
  };
  const error = () => {
    const l = loaded();
    return l && 'error' in l ? l.error : null;
  };
  const plain = createMemo(() => {
    const d = diff();
    return d ? parsePatch(d.patch) : null;
  });
  const parsed = createMemo(() => {
    const p = plain();
    return p ? annotate(p, comments()) : null;
  });
  const totals = () =>
    (diff()?.files ?? []).reduce((t, f) => ({ add: t.add + f.additions, del: t.del + f.deletions }), { add: 0, del: 0 });

  return (
    <div class="tab-body changes" data-testid="changes">
      <Show when={props.task.status !== 'done'} fallback={<p class="muted">Merged: the branch was removed.</p>}>
        <Show when={props.task.branch} fallback={<p class="muted">No changes yet: the agent has not worked on this task.</p>}>
          <Show when={loaded()} fallback={<p class="muted">Loading the diff…</p>}>
            <Show when={diff()} fallback={<p class="callout callout-error">No diff: {error()}</p>}>
              {(d) => (
                <>
                  <div class="tab-toolbar">
                    <span class="changes-summary">
                      {d().files.length} {d().files.length === 1 ? 'file' : 'files'} changed
                      <span class="adds">+{totals().add}</span>
                      <span class="dels">−{totals().del}</span>
                    </span>
                    <span class="spacer" />
                    <button
                      type="button"
                      class="icon-button"
                      aria-label="Reload the diff"
                      title="Reload"
                      onClick={() => void load()}
                    >
                      <Icon name="refresh" size={14} />
                    </button>
                  </div>
                  <Show when={d().truncated}>
                    <p class="hint warn">The patch is too large to show in full; the file list is complete.</p>
                  </Show>
                  <Show when={d().files.length > 0} fallback={<p class="muted">The branch has no changes yet.</p>}>
                    <FileList files={d().files} onPick={(path) => setJump({ path })} />
                    <CommentsPanel task={props.task} comments={comments()} onJump={setJump} />
                    <Show when={pick()}>
                      {(p) => <CommentComposer task={props.task} pick={p()} onDone={() => setPick(null)} />}
                    </Show>
                    <DiffView diff={parsed()!} jump={jump()} picking={picking} />
                  </Show>
                </>
              )}
            </Show>
          </Show>
        </Show>
      </Show>
    </div>
  );
}
