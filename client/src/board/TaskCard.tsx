import { For, Show } from 'solid-js';
import type { Task } from '../../../shared/task.js';
import { blockedText } from '../lib/blocked.js';
import { COLUMN_TITLES } from '../lib/columns.js';
import { formatCost, formatTokens } from '../lib/format.js';
import { labelHue } from '../lib/labels.js';
import { needsYou, runBadge } from '../lib/run-state.js';
import { columns, liveTask } from '../state/board.js';
import { Icon } from '../ui/Icon.js';

export function LabelChip(props: { label: string }) {
  return (
    <span class="label" style={{ '--hue': labelHue(props.label) }}>
      {props.label}
    </span>
  );
}

/** The link between a task split by an agent and its follow-ups, shown on both cards. */
function FamilyLinks(props: { task: Task }) {
  const parent = () => props.task.parent;
  const count = () => columns().followUps[props.task.id] ?? 0;
  return (
    <Show when={parent() || count() > 0}>
      <div class="card-links">
        <Show when={parent()}>
          {(id) => (
            <span class="card-link" data-testid="card-parent" title={`A follow-up of ${id()}`}>
              ↳ follow-up of {liveTask(id())?.title ?? id()}
            </span>
          )}
        </Show>
        <Show when={count() > 0}>
          <span class="card-link" data-testid="card-follow-ups" title="Tasks split off from this one">
            ⇢ {count()} follow-up{count() === 1 ? '' : 's'}
          </span>
        </Show>
      </div>
    </Show>
  );
}

/** The inside of a card, shared by the card on the board and the ghost that follows a drag. */
export function CardBody(props: { task: Task }) {
  const badge = () => runBadge(props.task);
  const usage = () => props.task.usage;
  return (
    <>
      <h3 class="card-title">{props.task.title}</h3>
      <FamilyLinks task={props.task} />
      <Show when={props.task.labels.length > 0}>
        <div class="card-labels">
          <For each={props.task.labels}>{(l) => <LabelChip label={l} />}</For>
        </div>
      </Show>
      <Show when={props.task.pullRequest}>
        {(pr) => (
          <div class="card-pr" data-testid="pr-badge" data-state={pr().state} data-checks={pr().checks.state}>
            <span class={`meta-chip pr-state-${pr().state}`} title={`Pull request #${pr().number}: ${pr().state}`}>
              PR #{pr().number}
              {pr().state === 'open' ? '' : ` ${pr().state}`}
            </span>
            <Show when={pr().checks.state !== 'none'}>
              <span
                class={`meta-chip checks-${pr().checks.state}`}
                data-testid="card-checks"
                title={pr()
                  .checks.items.map((c) => `${c.name}: ${c.state}`)
                  .join('\n')}
              >
                checks {pr().checks.state}
                {` ${pr().checks.items.filter((c) => c.state === 'passing').length}/${pr().checks.items.length}`}
              </span>
            </Show>
          </div>
        )}
      </Show>
      <Show when={props.task.conflict}>
        <div class="conflict-badge" data-testid="conflict-badge" title="A git merge left fields that both sides changed">
          Merge conflict
        </div>
      </Show>
      <Show when={blockedText(props.task)}>
        {(text) => (
          <div class="card-blocked" data-testid="card-blocked" title={text()}>
            <Icon name="lock" size={12} />
            <span class="blocked-text">{text()}</span>
            <Show when={props.task.autoStart}>
              <span class="meta-chip" title="Starts by itself when its dependencies are Done">
                auto
              </span>
            </Show>
          </div>
        )}
      </Show>
      <Show when={badge()}>
        {(b) => (
          <div class={`run run-${b().kind}`} data-testid="run-state" title={props.task.error ?? b().text}>
            <span class="run-dot" aria-hidden="true" />
            <span class="run-text">{b().text}</span>
          </div>
        )}
      </Show>
      <Show when={props.task.run?.state === 'waiting' && props.task.run.activity}>
        {(detail) => (
          <div class="run-detail" data-testid="run-detail">
            {detail()}
          </div>
        )}
      </Show>
      <Show when={props.task.refused?.length ? props.task.refused : null}>
        {(refused) => (
          <div class="run-detail refused" data-testid="refused" title={refused().join('\n')}>
            Refused {refused().at(-1)}
            {refused().length > 1 ? ` (+${refused().length - 1})` : ''}
          </div>
        )}
      </Show>
      <Show when={props.task.iteration > 0 || props.task.verdict || usage().tokens > 0 || usage().cost > 0}>
        <div class="card-meta">
          <Show when={props.task.iteration > 0}>
            <span
              class="meta-chip"
              title={`The AI reviewed this branch ${props.task.iteration} time${props.task.iteration === 1 ? '' : 's'} (each round can send it back for a fix)`}
            >
              review round {props.task.iteration}
            </span>
          </Show>
          <Show when={props.task.verdict}>
            {(v) => (
              <span class={`meta-chip verdict-${v()}`} title={VERDICT_TITLES[v()]}>
                {VERDICT_TEXT[v()]}
              </span>
            )}
          </Show>
          <Show when={usage().tokens > 0 || usage().cost > 0}>
            <span class="card-usage" title={`${usage().tokens.toLocaleString()} tokens, $${usage().cost.toFixed(4)}`}>
              {formatTokens(usage().tokens)} tok · {formatCost(usage().cost)}
            </span>
          </Show>
        </div>
      </Show>
    </>
  );
}

const VERDICT_TEXT = {
  approved: 'AI approved',
  unclear: 'AI verdict unclear',
  changes_requested: 'AI asked for changes',
} as const;
const VERDICT_TITLES = {
  approved: 'The last AI review approved the branch',
  unclear: 'The last AI review ended without a clear verdict: read it in the Review tab',
  changes_requested: 'The last AI review asked for changes',
} as const;

/** What a screen reader says for a card: its title, column, what the agent is doing, and whether it waits on something. */
export function cardName(task: Task): string {
  const badge = runBadge(task);
  const run = badge ? (badge.kind === 'live' ? `agent working: ${badge.text}` : badge.text.toLowerCase()) : null;
  const parts = [
    task.title,
    COLUMN_TITLES[task.status],
    run,
    blockedText(task) ? 'blocked' : null,
    needsYou(task) ? 'needs you' : null,
  ];
  return [...new Set(parts.filter((p): p is string => !!p))].join(', ');
}

/** What the board does with its cards; the same for every card. */
export type CardHandlers = {
  onOpen(task: Task): void;
  onPointerDown(e: PointerEvent, task: Task, el: HTMLElement): void;
  onKeyDown(e: KeyboardEvent, task: Task): void;
  isDragging(id: string): boolean;
  isSelected(id: string): boolean;
};

type CardProps = { task: Task; index: number; handlers: CardHandlers; measure(el: HTMLElement): void };

export function TaskCard(props: CardProps) {
  let el!: HTMLElement;
  return (
    <article
      ref={(node) => {
        el = node;
        props.measure(node);
      }}
      class="card"
      classList={{
        dragging: props.handlers.isDragging(props.task.id),
        selected: props.handlers.isSelected(props.task.id),
        live: props.task.run?.state === 'running',
      }}
      tabindex="0"
      aria-label={cardName(props.task)}
      data-task-id={props.task.id}
      data-index={props.index}
      onPointerDown={(e) => props.handlers.onPointerDown(e, props.task, el)}
      onClick={() => props.handlers.onOpen(props.task)}
      onKeyDown={(e) => props.handlers.onKeyDown(e, props.task)}
    >
      <CardBody task={props.task} />
    </article>
  );
}
