import { type JSX, onCleanup, onMount } from 'solid-js';
import { Portal } from 'solid-js/web';
import { useEscape } from '../lib/keyboard.js';

/** A centred dialog over a dimmed page; focus goes in on open and back where it was on close. */
export function Modal(props: { title: string; onClose(): void; children: JSX.Element }) {
  let panel!: HTMLDivElement;
  const returnTo = document.activeElement as HTMLElement | null;
  useEscape(() => props.onClose());
  onMount(() => panel.querySelector<HTMLElement>('input, textarea, select, button')?.focus());
  onCleanup(() => returnTo?.focus());
  return (
    <Portal>
      <div class="backdrop">
        <button type="button" class="backdrop-close" tabindex="-1" aria-label="Close" onClick={() => props.onClose()} />
        <div ref={panel} class="modal" role="dialog" aria-modal="true" aria-label={props.title}>
          <h2 class="modal-title">{props.title}</h2>
          {props.children}
        </div>
      </div>
    </Portal>
  );
}
