import { createEffect, createSignal, For, on, onCleanup, Show } from 'solid-js';
import { api } from '../state/api.js';
import { project, setTrust } from '../state/project.js';
import { refreshProjectInfo } from '../state/sync.js';
import { attempt } from '../state/toasts.js';
import { Icon } from '../ui/Icon.js';

/**
 * The repository's settings that run commands or loosen the agent, each with its exact value,
 * until this user trusts them (shared/trust.ts). Not now hides it for these values until the
 * next load; the agent stays off meanwhile.
 */
export function TrustBanner() {
  const [dismissed, setDismissed] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);
  const trust = () => project.info?.trust;
  const refresh = () => void refreshProjectInfo(api());
  // A pull or an edit of config.json can change what needs trust; `opencode-studio trust` in a
  // terminal records it behind the board's back, so coming back to the page asks again too.
  createEffect(on(() => project.config, refresh, { defer: true }));
  window.addEventListener('focus', refresh);
  onCleanup(() => window.removeEventListener('focus', refresh));
  const trustNow = async (hash: string) => {
    setBusy(true);
    const state = await attempt('Trusting the settings failed', () => api().project.trust.mutate({ hash }));
    setBusy(false);
    if (state) setTrust(state);
  };
  return (
    <Show when={trust()?.state === 'untrusted' && trust()?.hash !== dismissed() ? trust() : undefined}>
      {(t) => (
        <div class="banner banner-trust" role="alert" data-testid="trust-banner">
          <Icon name="warning" size={14} />
          <div class="trust-body">
            <strong>This repository’s config.json runs commands on your machine or loosens the agent.</strong> The agent stays off
            for this repository until you trust these exact values:
            <ul class="trust-settings">
              <For each={t().settings}>
                {(s) => (
                  <li data-testid="trust-setting" data-key={s.key}>
                    <code>{s.key}</code> ({s.why}):
                    <pre>{JSON.stringify(s.value, null, 2)}</pre>
                  </li>
                )}
              </For>
            </ul>
            <div class="trust-actions">
              <button
                type="button"
                class="button small primary"
                data-testid="trust-button"
                disabled={busy()}
                onClick={() => void trustNow(t().hash!)}
              >
                Trust
              </button>
              <button type="button" class="button small quiet" onClick={() => setDismissed(t().hash)}>
                Not now
              </button>
            </div>
          </div>
        </div>
      )}
    </Show>
  );
}
