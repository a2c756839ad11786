import { createUniqueId, type JSX, onCleanup, onMount } from 'solid-js';
import { Portal } from 'solid-js/web';
import { focusables, trapTab } from '../lib/focus.js';
import { useEscape } from '../lib/keyboard.js';

/** A centred dialog over a dimmed page: focus goes in on open, stays in while open (Tab wraps), and goes back on close. */
export function Modal(props: { title: string; onClose(): void; children: JSX.Element }) {
  let panel!: HTMLDivElement;
  const titleId = createUniqueId();
  const returnTo = document.activeElement as HTMLElement | null;
  useEscape(() => props.onClose());
  onMount(() => {
    const first = panel.querySelector<HTMLElement>('input, textarea, select') ?? focusables(panel)[0];
    (first ?? panel).focus();
  });
  onCleanup(() => {
    if (returnTo?.isConnected) returnTo.focus();
  });
  return (
    <Portal>
      <div class="backdrop">
        <button type="button" class="backdrop-close" tabindex="-1" aria-label="Close" onClick={() => props.onClose()} />
        <div
          ref={panel}
          class="modal"
          role="dialog"
          aria-modal="true"
          aria-labelledby={titleId}
          tabindex="-1"
          onKeyDown={(e) => trapTab(e, panel)}
        >
          <h2 class="modal-title" id={titleId}>
            {props.title}
          </h2>
          {props.children}
        </div>
      </div>
    </Portal>
  );
}
