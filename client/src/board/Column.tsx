import { Show } from 'solid-js';
import type { TaskStatus } from '../../../shared/task.js';
import { COLUMN_TITLES } from '../lib/columns.js';
import { columns, loaded } from '../state/board.js';
import { filtering } from '../state/filter.js';
import { Icon } from '../ui/Icon.js';
import { CardList } from './CardList.js';
import type { CardHandlers } from './TaskCard.js';

export type ColumnProps = {
  status: TaskStatus;
  dropLine: number | null;
  dropState: 'none' | 'allowed' | 'refused';
  onAdd(): void;
  handlers: CardHandlers;
};

const EMPTY: Partial<Record<TaskStatus, string>> = {
  todo: 'Nothing to do yet. Press n to add a task.',
  planning: 'Drag a task here to start it.',
  done: 'Merged tasks land here.',
};

export function Column(props: ColumnProps) {
  const shown = () => columns().shown[props.status];
  const total = () => columns().total[props.status];
  const headingId = `column-${props.status}`;
  return (
    <section
      class="column"
      // One classList for both: a changing `class` string would overwrite what classList set, so the
      // drop state's change at a drag's start dropped is-empty and every column's width jumped.
      classList={{ [`drop-${props.dropState}`]: true, 'is-empty': loaded() && total() === 0 }}
      data-column={props.status}
      data-testid={`column-${props.status}`}
      aria-labelledby={headingId}
    >
      <header class="column-header">
        <h2 id={headingId}>{COLUMN_TITLES[props.status]}</h2>
        <span
          class="count"
          data-testid="count"
          title={filtering() ? `${shown().length} of ${total()} match the search` : undefined}
        >
          {filtering() ? `${shown().length}/${total()}` : total()}
        </span>
        <Show when={props.status === 'todo'}>
          <button
            type="button"
            class="icon-button column-add"
            aria-label="New task"
            title="New task (n)"
            onClick={() => props.onAdd()}
          >
            <Icon name="plus" size={14} />
          </button>
        </Show>
      </header>
      <Show when={loaded() && total() === 0}>
        <p class="column-empty">{EMPTY[props.status] ?? 'Empty.'}</p>
      </Show>
      <CardList tasks={shown()} handlers={props.handlers} />
      <Show when={props.dropLine !== null}>
        <div class="drop-line" style={{ top: `${props.dropLine}px` }} />
      </Show>
    </section>
  );
}
