import { Show } from 'solid-js';
import type { ModelHealth } from '../../../shared/events.js';
import { connection, project } from '../state/project.js';

const LABELS = { ready: 'OpenCode up', starting: 'OpenCode starting', unavailable: 'OpenCode down' } as const;

const MODEL_LABELS: Record<NonNullable<ModelHealth['reason']>, string> = {
  'no-model': 'No model',
  'model-unreachable': 'Model unreachable',
  'model-unauthorized': 'Model key refused',
  'model-rate-limited': 'Model rate limited',
  'model-error': 'Model failing',
  'model-stream-cut': 'Model stream cut',
};

/** What the pill says about the model: whether it answered last time, apart from whether OpenCode is up. */
function modelPill(model: ModelHealth | undefined): { kind: string; label: string; detail: string } {
  const name = model?.model ? ` (${model.model})` : '';
  if (!model || model.state === 'unknown')
    return { kind: 'unknown', label: 'Model not tried', detail: `No model call yet since the start${name}` };
  if (model.state === 'ok') return { kind: 'ok', label: 'Model answers', detail: `The last model call worked${name}` };
  return {
    kind: 'failing',
    label: MODEL_LABELS[model.reason ?? 'model-error'],
    detail: model.message ?? 'The last model call failed',
  };
}

/** OpenCode's state and the model's, each a labelled pill (the tooltip has the details), and the link to the studio. */
export function OpencodeStatus() {
  const state = () => project.opencode?.state ?? 'starting';
  const detail = () => {
    const oc = project.opencode;
    if (!oc) return 'waiting for the studio';
    return [oc.demo ? 'scripted demo model' : null, oc.url, oc.reason].filter(Boolean).join(' · ') || LABELS[oc.state];
  };
  const model = () => modelPill(project.opencode?.model);
  return (
    <div class="status-group">
      <span class={`status status-${state()}`} title={detail()} data-testid="opencode-status">
        <span class="dot" aria-hidden="true" />
        {LABELS[state()]}
      </span>
      <Show when={state() === 'ready'}>
        <span class={`status model-${model().kind}`} title={model().detail} data-testid="model-status">
          <span class="dot" aria-hidden="true" />
          {model().label}
        </span>
      </Show>
      <Show when={connection() === 'connecting'}>
        <span class="status status-reconnecting" role="status" data-testid="connection">
          <span class="dot" aria-hidden="true" />
          Connecting…
        </span>
      </Show>
    </div>
  );
}
