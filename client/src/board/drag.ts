import { createSignal } from 'solid-js';
import type { Task, TaskStatus } from '../../../shared/task.js';

/** Where a drop would land: `index` counts the cards shown in that column, the dragged one included. */
export type DropTarget = { status: TaskStatus; index: number; lineTop: number };

export type DragState = {
  task: Task;
  x: number;
  y: number;
  grabX: number;
  grabY: number;
  width: number;
  target: DropTarget | null;
};

const [drag, setDrag] = createSignal<DragState | null>(null);

export { drag };

const THRESHOLD = 5;
const EDGE = 48;

let suppressClickUntil = 0;
/** A drag ends with a click on whatever is under the pointer; that click must not open the card. */
export function clickSuppressed(): boolean {
  return performance.now() < suppressClickUntil;
}

function targetAt(x: number, y: number, dragged: string): DropTarget | null {
  const column = document.elementFromPoint(x, y)?.closest<HTMLElement>('[data-column]');
  const status = column?.dataset.column as TaskStatus | undefined;
  if (!column || !status) return null;
  const box = column.getBoundingClientRect();
  const cards = [...column.querySelectorAll<HTMLElement>('[data-index]')].filter((c) => c.dataset.taskId !== dragged);
  for (const card of cards) {
    const r = card.getBoundingClientRect();
    if (y < r.top + r.height / 2) return { status, index: Number(card.dataset.index), lineTop: r.top - box.top - 5 };
  }
  const last = cards.at(-1);
  if (!last) {
    const list = column.querySelector<HTMLElement>('[data-list]');
    return { status, index: 0, lineTop: (list?.getBoundingClientRect().top ?? box.top) - box.top + 4 };
  }
  const r = last.getBoundingClientRect();
  return { status, index: Number(last.dataset.index) + 1, lineTop: r.bottom - box.top + 3 };
}

/** Scrolls the column (and the board) under the pointer while a card is held near an edge. */
function autoScroll(x: number, y: number): boolean {
  let moved = false;
  const list = document.elementFromPoint(x, y)?.closest<HTMLElement>('[data-column]')?.querySelector<HTMLElement>('[data-list]');
  if (list) {
    const r = list.getBoundingClientRect();
    const dy = y < r.top + EDGE ? -12 : y > r.bottom - EDGE ? 12 : 0;
    if (dy && list.scrollTop + dy >= 0 && list.scrollTop + list.clientHeight < list.scrollHeight + (dy < 0 ? 1 : 0)) {
      list.scrollTop += dy;
      moved = true;
    }
  }
  const board = document.querySelector<HTMLElement>('[data-board]');
  if (board) {
    const dx = x < EDGE ? -16 : x > window.innerWidth - EDGE ? 16 : 0;
    const before = board.scrollLeft;
    if (dx) board.scrollLeft += dx;
    moved ||= board.scrollLeft !== before;
  }
  return moved;
}

/**
 * Pointer-based dragging (mouse and pen; touch scrolls, and a tap opens the card). The card
 * stays in place, a ghost follows the pointer, and a line shows where it will land.
 */
export function startPointerDrag(
  e: PointerEvent,
  task: Task,
  card: HTMLElement,
  onDrop: (task: Task, target: DropTarget) => void,
) {
  if (e.button !== 0 || e.pointerType === 'touch') return;
  if ((e.target as HTMLElement).closest('button, a, input, textarea, select')) return;
  const startX = e.clientX;
  const startY = e.clientY;
  const rect = card.getBoundingClientRect();
  let frame = 0;
  let last = { x: startX, y: startY };

  const update = () => {
    const current = drag();
    if (current) setDrag({ ...current, x: last.x, y: last.y, target: targetAt(last.x, last.y, task.id) });
  };
  const tick = () => {
    if (autoScroll(last.x, last.y)) update();
    frame = requestAnimationFrame(tick);
  };
  const move = (ev: PointerEvent) => {
    last = { x: ev.clientX, y: ev.clientY };
    if (!drag()) {
      if (Math.hypot(ev.clientX - startX, ev.clientY - startY) < THRESHOLD) return;
      document.body.classList.add('is-dragging');
      setDrag({
        task,
        x: startX,
        y: startY,
        grabX: startX - rect.left,
        grabY: startY - rect.top,
        width: rect.width,
        target: null,
      });
      frame = requestAnimationFrame(tick);
    }
    ev.preventDefault();
    update();
  };
  const finish = (drop: boolean) => {
    window.removeEventListener('pointermove', move);
    window.removeEventListener('pointerup', up);
    window.removeEventListener('pointercancel', cancel);
    window.removeEventListener('keydown', key, true);
    cancelAnimationFrame(frame);
    const state = drag();
    if (!state) return;
    document.body.classList.remove('is-dragging');
    suppressClickUntil = performance.now() + 300;
    setDrag(null);
    if (drop && state.target) onDrop(task, state.target);
  };
  const up = () => finish(true);
  const cancel = () => finish(false);
  const key = (ev: KeyboardEvent) => {
    if (ev.key !== 'Escape' || !drag()) return;
    ev.preventDefault();
    ev.stopPropagation();
    finish(false);
  };
  window.addEventListener('pointermove', move);
  window.addEventListener('pointerup', up);
  window.addEventListener('pointercancel', cancel);
  window.addEventListener('keydown', key, true);
}
