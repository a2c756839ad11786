import { createEffect, createMemo, createSignal, For, type JSX, on, onCleanup, onMount, Show } from 'solid-js';
import { commentPlace } from '../../../shared/comment-place.js';
import { lineOf } from './annotate.js';
import { highlight, languageOf } from './highlight.js';
import type { DiffRow, ParsedPatch } from './parse-patch.js';

const ROW = 20;
const FILE_ROW = 36;
const COMMENT_ROW = 48;
const COMPOSER_ROW = 156;
const OVERSCAN = 30;

const HEIGHTS: Partial<Record<DiffRow['kind'], number>> = { file: FILE_ROW, comment: COMMENT_ROW, composer: COMPOSER_ROW };
const heightOf = (row: DiffRow) => HEIGHTS[row.kind] ?? ROW;

/** Lines picked for a comment: one file, one side, `start..end`. */
export type LinePick = { path: string; side: 'new' | 'old'; start: number; end: number };
export type JumpTo = { path: string; side?: 'new' | 'old'; line?: number };
type Picking = { selected(path: string, side: string, line: number): boolean; pick(at: LinePick, extend: boolean): void };

// Rows never change once parsed, so they render once, without reactive wrappers.
function Code(props: { text: string; path: string }) {
  const tokens = highlight(props.text, languageOf(props.path));
  return <span class="code">{tokens.map(([cls, text]) => (cls ? <span class={`tok-${cls}`}>{text}</span> : text))}</span>;
}

function CommentRow(props: { comment: Extract<DiffRow, { kind: 'comment' }>['comment'] }) {
  const c = props.comment;
  return (
    <div class={`dr dr-comment comment-${c.status}`} data-testid="diff-comment" data-comment-id={c.id} title={c.body}>
      <span class="dc-head">
        <span class="dc-place">{commentPlace(c)}</span>
        {c.author === 'ai' ? <span class="meta-chip">AI</span> : null}
        {c.status === 'outdated' ? <span class="meta-chip chip-outdated">outdated</span> : null}
      </span>
      <span class="dc-body">{c.body}</span>
    </div>
  );
}

function Row(props: { row: DiffRow; pathOf(fileRow: number): string; picking?: Picking; composer?: () => JSX.Element }) {
  const row = props.row;
  switch (row.kind) {
    case 'comment':
      return <CommentRow comment={row.comment} />;
    case 'composer':
      return <div class="dr dr-composer">{props.composer?.()}</div>;
    case 'file':
      return (
        <div class="dr dr-file" data-file={row.path}>
          <span class="dr-path">{row.path}</span>
          {row.note ? <span class="dr-note">{row.note}</span> : null}
        </div>
      );
    case 'hunk':
      return <div class="dr dr-hunk">{row.text}</div>;
    case 'meta':
      return <div class="dr dr-meta">{row.text}</div>;
    case 'line': {
      const at = lineOf(row)!;
      const path = props.pathOf(row.file);
      // Read where it is used: a merge turns picking off while these rows stay, until the diff reloads.
      return (
        <div class={`dr dr-${row.type}`} classList={{ picked: props.picking?.selected(path, at.side, at.line) ?? false }}>
          <span class="ln">{row.oldNo ?? ''}</span>
          <span class="ln">{row.newNo ?? ''}</span>
          {props.picking ? (
            <button
              type="button"
              class="ln-pick"
              aria-label={`Comment on ${at.side === 'old' ? 'removed ' : ''}line ${at.line}`}
              title={`Comment on ${path}:${at.line} (shift-click another line: a range)`}
              onClick={(e) => props.picking?.pick({ path, side: at.side, start: at.line, end: at.line }, e.shiftKey)}
            >
              +
            </button>
          ) : null}
          <span class="sign">{row.type === 'add' ? '+' : row.type === 'del' ? '-' : ' '}</span>
          <Code text={row.text} path={path} />
        </div>
      );
    }
  }
}

/**
 * A unified diff as a windowed list of fixed-height rows: a 5,000-line patch renders the
 * hundred rows on screen, not five thousand.
 */
export function DiffView(props: { diff: ParsedPatch; jump: JumpTo | null; picking?: Picking; composer?: () => JSX.Element }) {
  let scroller!: HTMLDivElement;
  const [scrollTop, setScrollTop] = createSignal(0);
  const [height, setHeight] = createSignal(600);

  const offsets = createMemo(() => {
    const rows = props.diff.rows;
    const out = new Float64Array(rows.length + 1);
    for (let i = 0; i < rows.length; i++) out[i + 1] = (out[i] ?? 0) + heightOf(rows[i]!);
    return out;
  });
  const indexAt = (y: number) => {
    const o = offsets();
    let lo = 0;
    let hi = o.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((o[mid] ?? 0) <= y) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const range = createMemo(
    () => {
      const count = props.diff.rows.length;
      const first = indexAt(scrollTop());
      return { start: Math.max(0, first - OVERSCAN), end: Math.min(count, indexAt(scrollTop() + height()) + OVERSCAN), first };
    },
    undefined,
    { equals: (a, b) => a?.start === b.start && a.end === b.end && a.first === b.first },
  );
  const visible = createMemo(() => props.diff.rows.slice(range().start, range().end));
  const pathOf = (fileRow: number) => {
    const row = props.diff.rows[fileRow];
    return row?.kind === 'file' ? row.path : '';
  };
  const stickyFile = () => {
    const first = range().first;
    const owner = props.diff.owner[first] ?? -1;
    return owner >= 0 && owner !== first && scrollTop() > 0 ? pathOf(owner) : null;
  };

  const resize = new ResizeObserver(() => setHeight(scroller.clientHeight));
  onMount(() => resize.observe(scroller));
  onCleanup(() => resize.disconnect());
  createEffect(
    on(
      () => props.jump,
      (jump) => {
        const at = jump ? rowOf(props.diff, jump) : undefined;
        if (at !== undefined) scroller.scrollTop = Math.max(0, (offsets()[at] ?? 0) - (jump?.line ? 3 * ROW : 0));
      },
      { defer: true },
    ),
  );

  return (
    <div class="diff-wrap">
      <Show when={stickyFile()}>{(path) => <div class="diff-sticky">{path()}</div>}</Show>
      <div class="diff" ref={scroller} onScroll={() => setScrollTop(scroller.scrollTop)} data-testid="diff" tabindex="0">
        <div
          class="diff-inner"
          style={{ height: `${offsets()[offsets().length - 1] ?? 0}px`, 'min-width': `calc(${props.diff.longest}ch + 8rem)` }}
        >
          <div class="diff-window" style={{ transform: `translateY(${offsets()[range().start] ?? 0}px)` }}>
            <For each={visible()}>
              {(row) => <Row row={row} pathOf={pathOf} picking={props.picking} composer={props.composer} />}
            </For>
          </div>
        </div>
      </div>
    </div>
  );
}

/** The row of a file header, or of a line in it when the jump names one. */
function rowOf(diff: ParsedPatch, jump: JumpTo): number | undefined {
  const header = diff.fileRows.get(jump.path);
  if (header === undefined || !jump.line) return header;
  for (let i = header + 1; i < diff.rows.length; i++) {
    const row = diff.rows[i]!;
    if (row.kind === 'file') break;
    const at = lineOf(row);
    if (at && at.line === jump.line && at.side === (jump.side ?? 'new')) return i;
  }
  return header;
}
