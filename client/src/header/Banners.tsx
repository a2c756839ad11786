import { For, Match, Show, Switch } from 'solid-js';
import { project } from '../state/project.js';
import { Icon } from '../ui/Icon.js';
import { TrustBanner } from './TrustBanner.js';

/** File problems stay on screen until the file is fixed: the watcher reports the recovery. */
export function Banners() {
  return (
    <>
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
