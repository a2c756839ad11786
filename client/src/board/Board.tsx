import { createSelector, For, Show } from 'solid-js';
import { moveRule } from '../../../shared/lifecycle.js';
import { TASK_STATUSES } from '../../../shared/statuses.js';
import type { Task, TaskStatus } from '../../../shared/task.js';
import { COLUMNS } from '../lib/columns.js';
import { columns, loaded } from '../state/board.js';
import { filtering, setLabel, setNeedsYouOnly, setQuery } from '../state/filter.js';
import { closeTask, openTask, route } from '../state/route.js';
import { cardKey, dropAt } from './board-moves.js';
import { Column } from './Column.js';
import { clickSuppressed, drag, startPointerDrag } from './drag.js';
import { CardBody, type CardHandlers } from './TaskCard.js';

export function Board(props: { onAdd(): void }) {
  const open = (task: Task) => {
    if (clickSuppressed()) return;
    if (route().taskId === task.id) closeTask();
    else openTask(task.id);
  };
  // A pointer move changes the drag state every frame; only the card it concerns redraws.
  const dragging = createSelector(() => drag()?.task.id);
  const selected = createSelector(() => route().taskId);
  const handlers: CardHandlers = {
    onOpen: open,
    onPointerDown: (e: PointerEvent, task: Task, el: HTMLElement) => startPointerDrag(e, task, el, dropAt),
    onKeyDown: (e: KeyboardEvent, task: Task) => cardKey(e, task, open),
    isDragging: dragging,
    isSelected: selected,
  };
  const dropState = (status: TaskStatus) => {
    const d = drag();
    if (!d) return 'none';
    return 'refused' in moveRule(d.task.status, status) ? 'refused' : 'allowed';
  };
  const dropLine = (status: TaskStatus) => {
    const target = drag()?.target;
    return target?.status === status && dropState(status) === 'allowed' ? target.lineTop : null;
  };

  const noMatches = () => loaded() && filtering() && TASK_STATUSES.every((s) => columns().shown[s].length === 0);
  const clearFilters = () => {
    setQuery('');
    setLabel(null);
    setNeedsYouOnly(false);
  };

  return (
    <main class="board" data-board data-testid="board">
      <Show when={noMatches()}>
        <p class="no-matches" role="status" data-testid="no-matches">
          No task matches.
          <button type="button" class="button small" onClick={clearFilters}>
            Show all tasks
          </button>
        </p>
      </Show>
      <For each={COLUMNS}>
        {(status) => (
          <Column
            status={status}
            handlers={handlers}
            dropState={dropState(status)}
            dropLine={dropLine(status)}
            onAdd={props.onAdd}
          />
        )}
      </For>
      <Show when={drag()}>
        {(d) => (
          <div
            class="card drag-ghost"
            style={{
              width: `${d().width}px`,
              transform: `translate(${d().x - d().grabX}px, ${d().y - d().grabY}px) rotate(1.5deg)`,
            }}
          >
            <CardBody task={d().task} />
          </div>
        )}
      </Show>
    </main>
  );
}
