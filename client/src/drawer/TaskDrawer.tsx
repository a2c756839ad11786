import { createEffect, For, Match, on, onCleanup, onMount, Show, Switch } from 'solid-js';
import type { Task } from '../../../shared/task.js';
import { COLUMN_TITLES } from '../lib/columns.js';
import { focusCard } from '../lib/focus.js';
import { useEscape } from '../lib/keyboard.js';
import { api } from '../state/api.js';
import { liveTask, loaded } from '../state/board.js';
import { details } from '../state/details.js';
import { requests } from '../state/requests.js';
import { closeTask, route, showTab, TABS, type Tab } from '../state/route.js';
import { loadTaskDetail } from '../state/task-detail.js';
import { Icon } from '../ui/Icon.js';
import { ActivityTab } from './ActivityTab.js';
import { ChangesTab } from './ChangesTab.js';
import { ConflictPanel } from './ConflictPanel.js';
import { DescriptionTab } from './DescriptionTab.js';
import { DevServerPanel } from './DevServerPanel.js';
import { PlanTab } from './PlanTab.js';
import { PullRequestPanel } from './PullRequestPanel.js';
import { RequestPanel } from './RequestPanel.js';
import { ReviewTab } from './ReviewTab.js';
import { TaskActions } from './TaskActions.js';

const TAB_TITLES: Record<Tab, string> = {
  description: 'Description',
  plan: 'Plan',
  activity: 'Activity',
  review: 'Review',
  changes: 'Changes',
};

function Tabs(props: { task: Task; tab: Tab }) {
  const onKey = (e: KeyboardEvent) => {
    const step = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
    if (!step) return;
    const next = TABS[(TABS.indexOf(props.tab) + step + TABS.length) % TABS.length]!;
    showTab(next);
    requestAnimationFrame(() => document.getElementById(`tab-${next}`)?.focus());
  };
  return (
    <div class="tabs" role="tablist" aria-label="Task details" onKeyDown={onKey}>
      <For each={TABS}>
        {(tab) => (
          <button
            type="button"
            role="tab"
            id={`tab-${tab}`}
            class="tab"
            aria-selected={props.tab === tab}
            tabindex={props.tab === tab ? 0 : -1}
            onClick={() => showTab(tab)}
          >
            {TAB_TITLES[tab]}
            <Show when={tab === 'activity' && props.task.run?.state === 'running'}>
              <span class="run-dot" role="img" aria-label="live" />
            </Show>
          </button>
        )}
      </For>
    </div>
  );
}

function Drawer(props: { task: Task; tab: Tab }) {
  useEscape(closeTask);
  let heading!: HTMLHeadingElement;
  const id = props.task.id;
  // Focus goes into the drawer when it opens, and back to the card when it closes.
  onMount(() => {
    heading.focus({ preventScroll: true });
    // Beside the board (wide screens), the opened card's column scrolls into view.
    requestAnimationFrame(() =>
      document.querySelector(`[data-task-id="${CSS.escape(id)}"]`)?.scrollIntoView({ block: 'nearest', inline: 'nearest' }),
    );
  });
  onCleanup(() => {
    if (route().taskId === null) focusCard(id);
  });
  createEffect(
    on(
      () => props.task.id,
      async (id) => {
        if (details[id]?.plan !== undefined && details[id]?.review !== undefined) return;
        await loadTaskDetail(api(), id);
      },
    ),
  );
  return (
    <aside class="drawer" aria-label={`Task: ${props.task.title}`} data-testid="drawer">
      <header class="drawer-header">
        <div class="drawer-heading">
          <span class={`status-chip chip-${props.task.status}`}>{COLUMN_TITLES[props.task.status]}</span>
          <h2 data-testid="drawer-title" tabindex="-1" ref={heading}>
            {props.task.title}
          </h2>
          <span class="drawer-id">{props.task.id}</span>
        </div>
        <button type="button" class="icon-button" aria-label="Close" title="Close (Esc)" onClick={closeTask}>
          <Icon name="close" />
        </button>
      </header>
      <ConflictPanel task={props.task} />
      <RequestPanel requests={requests[props.task.id] ?? []} />
      <TaskActions task={props.task} />
      <PullRequestPanel task={props.task} />
      <DevServerPanel task={props.task} />
      <Tabs task={props.task} tab={props.tab} />
      <div class="tab-panel" role="tabpanel" aria-labelledby={`tab-${props.tab}`}>
        <Switch>
          <Match when={props.tab === 'description'}>
            <DescriptionTab task={props.task} />
          </Match>
          <Match when={props.tab === 'plan'}>
            <PlanTab task={props.task} />
          </Match>
          <Match when={props.tab === 'activity'}>
            <ActivityTab task={props.task} />
          </Match>
          <Match when={props.tab === 'review'}>
            <ReviewTab task={props.task} />
          </Match>
          <Match when={props.tab === 'changes'}>
            <ChangesTab task={props.task} />
          </Match>
        </Switch>
      </div>
    </aside>
  );
}

/** The drawer follows the URL; a task deleted while open (by anyone) closes it with a note. */
export function TaskDrawer() {
  const task = () => {
    const id = route().taskId;
    return id ? liveTask(id) : undefined;
  };
  return (
    <Show when={route().taskId}>
      <Show
        when={task()}
        keyed
        fallback={
          <Show when={loaded()}>
            <aside class="drawer drawer-missing" data-testid="drawer">
              <p>There is no task "{route().taskId}" (it may have been deleted).</p>
              <button type="button" class="button" onClick={closeTask}>
                Back to the board
              </button>
            </aside>
          </Show>
        }
      >
        {(t) => <Drawer task={t} tab={route().tab} />}
      </Show>
    </Show>
  );
}
