import { createEffect, createMemo, createSignal, For, onCleanup, onMount } from 'solid-js';
import type { Task } from '../../../shared/task.js';
import { storeOf } from '../state/board.js';
import { type CardHandlers, TaskCard } from './TaskCard.js';

// A card with a one-line title and a row of labels; most are about this tall.
const ESTIMATE = 64;
const GAP = 8;
const OVERSCAN = 600;

type Range = { start: number; end: number };

/** First index whose offset is greater than `value` (offsets are ascending). */
function upperBound(offsets: Float64Array, value: number): number {
  let lo = 0;
  let hi = offsets.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((offsets[mid] ?? 0) <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * A column's cards, windowed: only the cards near the visible part exist in the DOM, so a
 * column of 2,000 costs about as much as a column of 20. Heights are measured as cards
 * render; unmeasured ones count as an estimate.
 */
export function CardList(props: { tasks: Task[]; handlers: CardHandlers }) {
  let scroller!: HTMLDivElement;
  const heights = new Map<string, number>();
  const [measured, setMeasured] = createSignal(0);
  const [scrollTop, setScrollTop] = createSignal(0);
  const [viewport, setViewport] = createSignal(window.innerHeight);
  // The first paint has only the cards in view; the ones above and below follow right after it.
  const [overscan, setOverscan] = createSignal(0);
  createEffect(() => {
    if (overscan() === 0 && props.tasks.length > 0) requestAnimationFrame(() => setTimeout(() => setOverscan(OVERSCAN)));
  });

  const offsets = createMemo(() => {
    measured();
    const list = props.tasks;
    const out = new Float64Array(list.length + 1);
    for (let i = 0; i < list.length; i++) out[i + 1] = (out[i] ?? 0) + (heights.get(list[i]!.id) ?? ESTIMATE + GAP);
    return out;
  });

  const range = createMemo<Range>(
    () => {
      const o = offsets();
      const count = o.length - 1;
      const start = Math.max(0, upperBound(o, scrollTop() - overscan()) - 1);
      const end = Math.min(count, upperBound(o, scrollTop() + viewport() + overscan()));
      return { start: Math.min(start, count), end };
    },
    { start: 0, end: 0 },
    { equals: (a, b) => a.start === b.start && a.end === b.end },
  );
  // The cards show live stores, so a change to one task redraws that card alone.
  const visible = createMemo(() =>
    props.tasks.slice(range().start, range().end).flatMap((t) => {
      const task = storeOf(t.id);
      return task ? [task] : [];
    }),
  );
  const before = () => offsets()[range().start] ?? 0;
  const after = () => (offsets()[offsets().length - 1] ?? 0) - (offsets()[range().end] ?? 0);

  const sizes = new ResizeObserver((entries) => {
    let changed = false;
    for (const entry of entries) {
      const id = (entry.target as HTMLElement).dataset.taskId;
      const height = Math.round(entry.borderBoxSize[0]?.blockSize ?? 0) + GAP;
      if (id && height > GAP && heights.get(id) !== height) {
        heights.set(id, height);
        changed = true;
      }
    }
    if (changed) setMeasured((n) => n + 1);
  });
  const view = new ResizeObserver(() => setViewport(scroller.clientHeight));
  onMount(() => view.observe(scroller));
  onCleanup(() => {
    sizes.disconnect();
    view.disconnect();
  });

  const measure = (el: HTMLElement) => {
    sizes.observe(el);
    onCleanup(() => sizes.unobserve(el));
  };

  return (
    <div class="card-list" ref={scroller} data-list onScroll={() => setScrollTop(scroller.scrollTop)}>
      <div style={{ height: `${before()}px` }} aria-hidden="true" />
      <For each={visible()}>
        {(task, i) => <TaskCard task={task} index={range().start + i()} handlers={props.handlers} measure={measure} />}
      </For>
      <div style={{ height: `${after()}px` }} aria-hidden="true" />
    </div>
  );
}
