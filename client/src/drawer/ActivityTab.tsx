import { createVirtualizer } from '@tanstack/solid-virtual';
import { createEffect, createMemo, createSignal, For, Match, on, Show, Switch } from 'solid-js';
import { unwrap } from 'solid-js/store';
import type { ActivityEntry } from '../../../shared/activity.js';
import { collapseActivity } from '../../../shared/activity-rows.js';
import type { Task } from '../../../shared/task.js';
import { formatCost, formatDuration, formatTime, formatTokens } from '../lib/format.js';
import { PHASE_DOING } from '../lib/run-state.js';
import { api } from '../state/api.js';
import { details, setDetail } from '../state/details.js';
import { loadActivity } from '../state/task-detail.js';
import { attempt } from '../state/toasts.js';
import { Icon } from '../ui/Icon.js';
import { Markdown } from '../ui/Markdown.js';

type Entry<K extends ActivityEntry['kind']> = Extract<ActivityEntry, { kind: K }>;

const PHASE_TITLES = {
  planning: 'Planning',
  implementation: 'Implementation',
  review: 'AI review',
  fix: 'Fix',
  conflicts: 'Conflicts',
} as const;

function StateIcon(props: { state: string }) {
  return (
    <span class="tool-state" role="img" aria-label={props.state}>
      <Switch fallback={<span class="spinner" />}>
        <Match when={props.state === 'completed'}>
          <Icon name="check" size={13} />
        </Match>
        <Match when={props.state === 'error'}>
          <Icon name="close" size={13} />
        </Match>
      </Switch>
    </span>
  );
}

function ToolRow(props: { entry: Entry<'tool'> }) {
  return (
    <div class={`activity-tool tool-${props.entry.state}`} data-testid="activity-tool">
      <StateIcon state={props.entry.state} />
      <span class="tool-name">{props.entry.tool}</span>
      <span class="tool-title">{props.entry.title}</span>
      <span class="tool-duration">
        {props.entry.durationMs === null ? props.entry.state : formatDuration(props.entry.durationMs)}
      </span>
    </div>
  );
}

function SetupRow(props: { entry: Entry<'setup'> }) {
  return (
    <div class={`activity-tool tool-${props.entry.state}`} data-testid="activity-setup">
      <StateIcon state={props.entry.state} />
      <span class="tool-name">
        setup {props.entry.step}/{props.entry.of}
      </span>
      <span class="tool-title">{props.entry.command}</span>
      <span class="tool-duration">
        {props.entry.durationMs === null
          ? 'running'
          : `${props.entry.exitCode ? `exit ${props.entry.exitCode} · ` : ''}${formatDuration(props.entry.durationMs)}`}
      </span>
    </div>
  );
}

function PhaseRow(props: { entry: Entry<'phase'> }) {
  return (
    <div class={`activity-phase phase-${props.entry.state}`}>
      <span>
        {PHASE_TITLES[props.entry.phase]} {props.entry.state}
        <Show when={props.entry.message}>: {props.entry.message}</Show>
      </span>
      <time>{formatTime(props.entry.at)}</time>
    </div>
  );
}

function Row(props: { entry: ActivityEntry }) {
  const e = props.entry;
  switch (e.kind) {
    case 'phase':
      return <PhaseRow entry={e} />;
    case 'tool':
      return <ToolRow entry={e} />;
    case 'setup':
      return <SetupRow entry={e} />;
    case 'output':
      return (
        <pre class="activity-output" data-testid="activity-output">
          {e.text}
        </pre>
      );
    case 'text':
      return <Markdown class="activity-text" source={e.text} />;
    case 'step':
      return (
        <div class="activity-step">
          step · {formatTokens(e.tokens)} tokens · {formatCost(e.cost)}
        </div>
      );
    case 'request':
      return (
        <div class="callout callout-request" data-testid="activity-request">
          {e.message}
        </div>
      );
    case 'error':
      return (
        <div class="callout callout-error" role="alert">
          {e.message}
        </div>
      );
    case 'note':
      return (
        <div class="activity-note" data-testid="activity-note">
          <span>{e.text}</span>
          <time>{formatTime(e.at)}</time>
        </div>
      );
  }
}

/** A first guess at a row's height (a tool call's); each shown row is measured. */
const ROW_ESTIMATE = 34;
/** Rows loaded at a time: the newest when the tab opens, older ones on request. */
const PAGE = 1_000;

/**
 * The agent's stream for this task: loaded once, then appended to live by `activity.appended`
 * events. Only the rows in view (and a few around) are in the page: an hours-long session has
 * tens of thousands.
 */
export function ActivityTab(props: { task: Task }) {
  let list!: HTMLDivElement;
  const entries = () => details[props.task.id]?.activity;
  // Plain objects, not store proxies: tens of thousands of rows would each grow signals when read.
  const rows = createMemo(() => collapseActivity(unwrap(entries() ?? [])));
  const start = () => details[props.task.id]?.activityStart ?? 0;
  /** Row 0 offers the earlier rows while some are not loaded. */
  const offset = () => (start() > 0 ? 1 : 0);
  const virtualizer = createVirtualizer({
    get count() {
      return rows().length + offset();
    },
    getScrollElement: () => list,
    estimateSize: () => ROW_ESTIMATE,
    overscan: 8,
  });
  let stick = true;

  let loading = false;
  createEffect(async () => {
    if (entries() !== undefined || loading) return;
    const id = props.task.id;
    loading = true;
    await loadActivity(api(), id, PAGE);
    loading = false;
  });
  const [earlier, setEarlier] = createSignal(false);
  const loadEarlier = async () => {
    const id = props.task.id;
    setEarlier(true);
    const page = await attempt('Loading the activity failed', () =>
      api().tasks.activityRows.query({ id, before: start(), limit: PAGE }),
    );
    setEarlier(false);
    const shown = entries();
    if (!page || !shown) return;
    const before = rows().length;
    const first = virtualizer.getVirtualItems()[0]?.index ?? 0;
    setDetail(id, { activity: [...page.rows, ...unwrap(shown)], activityStart: page.start });
    // Keep the rows the reader was looking at in view.
    virtualizer.scrollToIndex(first + rows().length - before + offset() - 1, { align: 'start' });
  };
  // Rows measured taller than the guess grow the list too: follow the end while the reader is there.
  createEffect(
    on([rows, () => virtualizer.getTotalSize()], () => {
      if (stick) requestAnimationFrame(() => list.scrollTo({ top: list.scrollHeight }));
    }),
  );

  return (
    <div
      class="tab-body activity"
      ref={list}
      data-testid="activity"
      onScroll={() => (stick = list.scrollHeight - list.scrollTop - list.clientHeight < 40)}
    >
      <Show when={entries()} fallback={<p class="muted">Loading…</p>}>
        <Show
          when={rows().length > 0}
          fallback={<p class="muted">Nothing yet. The agent's messages and tool calls show here live.</p>}
        >
          <div class="activity-rows" data-count={rows().length + offset()} style={{ height: `${virtualizer.getTotalSize()}px` }}>
            <For each={virtualizer.getVirtualItems()}>
              {(item) => (
                <div
                  class="activity-row"
                  data-index={item.index}
                  ref={(el) => queueMicrotask(() => virtualizer.measureElement(el))}
                  style={{ transform: `translateY(${item.start}px)` }}
                >
                  <Show
                    when={rows()[item.index - offset()]}
                    keyed
                    fallback={
                      <button type="button" class="button activity-earlier" disabled={earlier()} onClick={loadEarlier}>
                        Show earlier activity ({start()} rows)
                      </button>
                    }
                  >
                    {(entry) => <Row entry={entry} />}
                  </Show>
                </div>
              )}
            </For>
          </div>
        </Show>
      </Show>
      <Show when={props.task.run?.state === 'running'}>
        <div class="activity-live">
          <span class="run-dot" aria-hidden="true" />
          {props.task.run?.activity ?? `${PHASE_DOING(props.task.run!.phase)}…`}
        </div>
      </Show>
    </div>
  );
}
