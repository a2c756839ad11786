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
      (id) => void loadComments(api(), id),
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

  // Nothing to ask for before the agent made a branch; once merged, the merge commit has the diff.
  const merged = () => props.task.status === 'done';
  const hasBranch = () => (merged() ? !!props.task.mergeCommit : props.task.branch !== null);
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
    const at = pick();
    return p ? annotate(p, comments(), at ? { path: at.path, side: at.side, line: at.end } : null) : null;
  });
  const totals = () =>
    (diff()?.files ?? []).reduce((t, f) => ({ add: t.add + f.additions, del: t.del + f.deletions }), { add: 0, del: 0 });

  return (
    <div class="tab-body changes" data-testid="changes">
      <Show
        when={hasBranch() || !merged()}
        fallback={<p class="muted">Merged before the studio kept merge commits: the branch was removed.</p>}
      >
        <Show when={hasBranch()} fallback={<p class="muted">No changes yet: the agent has not worked on this task.</p>}>
          <Show when={loaded()} fallback={<p class="muted">Loading the diff…</p>}>
            <Show when={diff()} fallback={<p class="callout callout-error">No diff: {error()}</p>}>
              {(d) => (
                <>
                  <div class="tab-toolbar">
                    <Show when={merged()}>
                      <span class="meta-chip" data-testid="merged-note" title={`Merge commit ${props.task.mergeCommit}`}>
                        merged in {props.task.mergeCommit?.slice(0, 8)}
                      </span>
                    </Show>
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
                    <CommentsPanel task={props.task} comments={comments()} onJump={setJump} readOnly={merged()} />
                    <Show when={!merged()}>
                      <p class="hint" id="comment-hint">
                        To comment on a line, click its <kbd>+</kbd> or reach it with <kbd>Tab</kbd> and press <kbd>Enter</kbd>.
                        Shift-click a second line for a range.
                      </p>
                    </Show>
                    <DiffView
                      diff={parsed()!}
                      jump={jump()}
                      picking={merged() ? undefined : picking}
                      composer={() => (
                        <Show when={pick()}>
                          {(p) => <CommentComposer task={props.task} pick={p()} onDone={() => setPick(null)} />}
                        </Show>
                      )}
                    />
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
