import { For } from 'solid-js';
import type { TaskDiff } from '../../../shared/api.js';

const LETTERS = { added: 'A', modified: 'M', deleted: 'D', renamed: 'R' } as const;

export function FileList(props: { files: TaskDiff['files']; onPick(path: string): void }) {
  return (
    <ul class="file-list" data-testid="diff-files">
      <For each={props.files}>
        {(file) => (
          <li>
            <button type="button" class="file-row" onClick={() => props.onPick(file.path)} title={`${file.status}: ${file.path}`}>
              <span class={`file-status status-${file.status}`}>{LETTERS[file.status]}</span>
              <span class="file-path">{file.path}</span>
              <span class="adds">+{file.additions}</span>
              <span class="dels">−{file.deletions}</span>
            </button>
          </li>
        )}
      </For>
    </ul>
  );
}
