import { Show } from 'solid-js';
import { offlineReason, project } from '../state/project.js';
import { Icon } from '../ui/Icon.js';
import { NeedsYou } from './NeedsYou.js';
import { OpencodeStatus } from './OpencodeStatus.js';
import { SearchBar } from './SearchBar.js';

export function Header(props: {
  onNewTask(): void;
  onSettings(): void;
  onImport(): void;
  onShortcuts(): void;
  searchRef(el: HTMLInputElement): void;
}) {
  return (
    <header class="header">
      <div class="brand">
        <img src="/icon.svg" alt="" width="24" height="24" />
        <div class="repo">
          <h1 class="repo-name" data-testid="repo-name" title={project.info?.root}>
            {project.info?.name ?? 'OpenCode Studio'}
          </h1>
          <Show when={project.info}>
            {(info) => (
              <span class="branch" title={`current branch; tasks merge into ${info().baseBranch}`}>
                <Icon name="branch" size={12} />
                {info().branch ?? 'detached HEAD'}
              </span>
            )}
          </Show>
        </div>
      </div>
      <OpencodeStatus />
      <NeedsYou />
      <SearchBar ref={props.searchRef} />
      <div class="header-actions">
        <Show when={project.info?.github.repo}>
          <button
            type="button"
            class="button"
            onClick={props.onImport}
            data-testid="import-github"
            title="Create tasks from GitHub issues"
          >
            Import from GitHub
          </button>
        </Show>
        <button
          type="button"
          class="icon-button shortcuts-button"
          aria-label="Keyboard shortcuts"
          title="Keyboard shortcuts (?)"
          onClick={props.onShortcuts}
        >
          ?
        </button>
        <button type="button" class="icon-button" aria-label="Settings" title="Settings" onClick={props.onSettings}>
          <Icon name="settings" />
        </button>
        <button
          type="button"
          class="button primary"
          onClick={props.onNewTask}
          title={offlineReason() ?? 'New task (n)'}
          disabled={offlineReason() !== null}
          data-testid="new-task"
        >
          <Icon name="plus" size={14} />
          <span>New task</span>
        </button>
      </div>
    </header>
  );
}
