import { createEffect, createMemo, createSignal, For, on, onCleanup, onMount, Show } from 'solid-js';
import { highlight, languageOf } from './highlight.js';
import type { DiffRow, ParsedPatch } from './parse-patch.js';

const ROW = 20;
const FILE_ROW = 36;
const OVERSCAN = 30;

// Rows never change once parsed, so they render once, without reactive wrappers.
function Code(props: { text: string; path: string }) {
  const tokens = highlight(props.text, languageOf(props.path));
  return <span class="code">{tokens.map(([cls, text]) => (cls ? <span class={`tok-${cls}`}>{text}</span> : text))}</span>;
}

function Row(props: { row: DiffRow; pathOf(fileRow: number): string }) {
  const row = props.row;
  switch (row.kind) {
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
    case 'line':
      return (
        <div class={`dr dr-${row.type}`}>
          <span class="ln">{row.oldNo ?? ''}</span>
          <span class="ln">{row.newNo ?? ''}</span>
          <span class="sign">{row.type === 'add' ? '+' : row.type === 'del' ? '-' : ' '}</span>
          <Code text={row.text} path={props.pathOf(row.file)} />
        </div>
      );
  }
}

/**
 * A unified diff as a windowed list of fixed-height rows: a 5,000-line patch renders the
 * hundred rows on screen, not five thousand.
 */
export function DiffView(props: { diff: ParsedPatch; jump: { path: string } | null }) {
  let scroller!: HTMLDivElement;
  const [scrollTop, setScrollTop] = createSignal(0);
  const [height, setHeight] = createSignal(600);

  const offsets = createMemo(() => {
    const rows = props.diff.rows;
    const out = new Float64Array(rows.length + 1);
    for (let i = 0; i < rows.length; i++) out[i + 1] = (out[i] ?? 0) + (rows[i]!.kind === 'file' ? FILE_ROW : ROW);
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
        const at = jump ? props.diff.fileRows.get(jump.path) : undefined;
        if (at !== undefined) scroller.scrollTop = offsets()[at] ?? 0;
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
            <For each={visible()}>{(row) => <Row row={row} pathOf={pathOf} />}</For>
          </div>
        </div>
      </div>
    </div>
  );
}
