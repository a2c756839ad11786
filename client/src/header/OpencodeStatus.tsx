import { Show } from 'solid-js';
import { connection, project } from '../state/project.js';

const LABELS = { ready: 'OpenCode ready', starting: 'OpenCode starting', unavailable: 'OpenCode unavailable' } as const;

export function OpencodeStatus() {
  const state = () => project.opencode?.state ?? 'starting';
  const detail = () => {
    const oc = project.opencode;
    if (!oc) return 'waiting for the studio';
    return [oc.demo ? 'scripted demo model' : null, oc.url, oc.reason].filter(Boolean).join(' · ') || LABELS[oc.state];
  };
  return (
    <div class="status-group">
      <span class={`status status-${state()}`} title={detail()} data-testid="opencode-status">
        <span class="dot" aria-hidden="true" />
        {LABELS[state()]}
      </span>
      <Show when={connection() !== 'live'}>
        <span class="status status-reconnecting" role="status" data-testid="connection">
          <span class="dot" aria-hidden="true" />
          {connection() === 'reconnecting' ? 'Reconnecting…' : 'Connecting…'}
        </span>
      </Show>
    </div>
  );
}
