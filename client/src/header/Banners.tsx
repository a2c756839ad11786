import { For, Match, Show, Switch } from 'solid-js';
import type { StorageFaultReason } from '../../../shared/errors.js';
import { offlineReason, project } from '../state/project.js';
import { Icon } from '../ui/Icon.js';
import { TrustBanner } from './TrustBanner.js';

const STORAGE_TITLE: Record<StorageFaultReason, string> = {
  'disk-full': 'The disk is full.',
  'read-only': 'The disk is read-only.',
  'no-permission': 'No permission to write.',
};

/** File problems stay on screen until the file is fixed: the watcher reports the recovery. */
export function Banners() {
  const model = () => (project.opencode?.state === 'ready' ? project.opencode.model : null);
  return (
    <>
      <Show when={offlineReason()}>
        {(reason) => (
          <div class="banner banner-outage" role="alert" data-testid="outage">
            <Icon name="warning" size={14} />
            <span>
              <strong>The studio is not reachable.</strong> {reason()} Until then, actions are off; nothing you see is lost.
            </span>
          </div>
        )}
      </Show>
      <Show when={model()?.state === 'failing' ? model() : null}>
        {(m) => (
          <div class="banner banner-problem" role="status" data-testid="model-banner" data-reason={m().reason}>
            <Icon name="warning" size={14} />
            <span>{m().message}</span>
          </div>
        )}
      </Show>
      <Show when={project.storage}>
        {(fault) => (
          <div class="banner banner-problem" role="alert" data-testid="storage-banner" data-reason={fault().reason}>
            <Icon name="warning" size={14} />
            <span>
              <strong>{STORAGE_TITLE[fault().reason]}</strong> {fault().message} Changes are not saved until then; this clears by
              itself once a write succeeds.
            </span>
          </div>
        )}
      </Show>
      <Show when={project.info?.demo}>
        <div class="banner banner-demo" data-testid="demo-banner">
          Demo: scripted model, sample repo. Nothing here calls a real model or touches your code.
        </div>
      </Show>
      <TrustBanner />
      <For each={project.problems}>
        {(problem) => (
          <div class="banner banner-problem" role="alert" data-testid="problem-banner">
            <Icon name="warning" size={14} />
            <Switch
              fallback={
                <span>
                  <code>{problem.path}</code> cannot be read: {problem.reason}. Fix the file and the board picks it up.
                </span>
              }
            >
              <Match when={problem.kind === 'merge-conflict'}>
                <span data-kind="merge-conflict">
                  <strong>Merge conflict</strong> in <code>{problem.path}</code>: {problem.reason}.
                </span>
              </Match>
              <Match when={problem.kind === 'dependency-cycle'}>
                <span data-kind="dependency-cycle">
                  <strong>Dependency cycle</strong> in <code>{problem.path}</code>: {problem.reason}.
                </span>
              </Match>
            </Switch>
          </div>
        )}
      </For>
    </>
  );
}
