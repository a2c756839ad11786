import { For, Show } from 'solid-js';
import { project } from '../state/project.js';
import { Icon } from '../ui/Icon.js';

/** File problems stay on screen until the file is fixed: the watcher reports the recovery. */
export function Banners() {
  return (
    <>
      <Show when={project.info?.demo}>
        <div class="banner banner-demo" data-testid="demo-banner">
          Demo: scripted model, sample repo. Nothing here calls a real model or touches your code.
        </div>
      </Show>
      <For each={project.problems}>
        {(problem) => (
          <div class="banner banner-problem" role="alert" data-testid="problem-banner">
            <Icon name="warning" size={14} />
            <Show
              when={problem.kind === 'merge-conflict'}
              fallback={
                <span>
                  <code>{problem.path}</code> cannot be read: {problem.reason}. Fix the file and the board picks it up.
                </span>
              }
            >
              <span data-kind="merge-conflict">
                <strong>Merge conflict</strong> in <code>{problem.path}</code>: {problem.reason}.
              </span>
            </Show>
          </div>
        )}
      </For>
    </>
  );
}
