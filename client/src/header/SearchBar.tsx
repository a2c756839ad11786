import { For, Show } from 'solid-js';
import { columns } from '../state/board.js';
import { label, query, setLabel, setQuery } from '../state/filter.js';
import { Icon } from '../ui/Icon.js';

export function SearchBar(props: { ref?: (el: HTMLInputElement) => void }) {
  return (
    <div class="search">
      <label class="search-field">
        <Icon name="search" size={14} />
        <input
          ref={props.ref}
          type="search"
          placeholder="Search tasks"
          aria-label="Search tasks (press / to focus)"
          value={query()}
          onInput={(e) => setQuery(e.currentTarget.value)}
          onKeyDown={(e) => {
            // Esc empties the box and the filter together (the browser alone would only empty the box).
            if (e.key !== 'Escape' || query() === '') return;
            e.preventDefault();
            e.currentTarget.value = '';
            setQuery('');
          }}
          data-testid="search"
        />
        <kbd>/</kbd>
      </label>
      <Show when={columns().labels.length > 0 || label() !== null}>
        <select
          class="label-filter"
          aria-label="Filter by label"
          value={label() ?? ''}
          onChange={(e) => setLabel(e.currentTarget.value || null)}
        >
          <option value="">All labels</option>
          <For each={columns().labels}>{(l) => <option value={l}>{l}</option>}</For>
        </select>
      </Show>
    </div>
  );
}
