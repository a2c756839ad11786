import { createEffect, createMemo, For, Match, on, Show, Switch } from 'solid-js';
import type { ActivityEntry } from '../../../shared/activity.js';
import type { Task } from '../../../shared/task.js';
import { collapseActivity } from '../../../shared/activity-rows.js';
import { formatCost, formatDuration, formatTime, formatTokens } from '../lib/format.js';
import { PHASE_DOING } from '../lib/run-state.js';
import { api } from '../state/api.js';
import { details, setDetail } from '../state/details.js';
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

/** The agent's stream for this task: loaded once, then appended to live by `activity.appended` events. */
export function ActivityTab(props: { task: Task }) {
  let list!: HTMLDivElement;
  const entries = () => details[props.task.id]?.activity;
  const rows = createMemo(() => collapseActivity(entries() ?? []));
  let stick = true;

  let loading = false;
  createEffect(async () => {
    if (entries() !== undefined || loading) return;
    const id = props.task.id;
    loading = true;
    const loaded = await attempt('Loading the activity failed', () => api().tasks.activity.query({ id }));
    loading = false;
    if (loaded) setDetail(id, { activity: loaded });
  });
  createEffect(
    on(rows, () => {
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
          <For each={rows()}>{(entry) => <Row entry={entry} />}</For>
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
