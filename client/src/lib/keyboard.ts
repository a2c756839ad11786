import { onCleanup } from 'solid-js';

const closers: Array<() => void> = [];

/** `Esc` closes what was opened last: a dialog before the drawer behind it. */
export function useEscape(close: () => void): void {
  closers.push(close);
  onCleanup(() => {
    const at = closers.lastIndexOf(close);
    if (at >= 0) closers.splice(at, 1);
  });
}

const EDITABLE = 'input, textarea, select, [contenteditable]:not([contenteditable="false"])';

/** Whether keys typed now go into a text field (or any editable element, or something inside one). */
export function isTyping(target: EventTarget | null): boolean {
  const el = target instanceof Element ? target : null;
  const active = document.activeElement;
  const editable = (node: Element | null) =>
    !!node && ((node instanceof HTMLElement && node.isContentEditable) || node.closest(EDITABLE) !== null);
  return editable(el) || editable(active);
}

/** Global keys: `n` new task, `/` search, `?` the shortcut list, `Esc` closes. Letters never fire while typing. */
export function installShortcuts(keys: { newTask(): void; focusSearch(): void; showShortcuts(): void }): () => void {
  const onKey = (e: KeyboardEvent) => {
    if (e.defaultPrevented) return;
    if (e.key === 'Escape') {
      const close = closers.at(-1);
      if (close) {
        e.preventDefault();
        close();
      } else if (e.target instanceof HTMLElement && isTyping(e.target)) e.target.blur();
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target)) return;
    // A dialog owns the keyboard while it is open.
    if (document.querySelector('[aria-modal="true"]')) return;
    if (e.key === 'n') {
      e.preventDefault();
      keys.newTask();
    } else if (e.key === '/') {
      e.preventDefault();
      keys.focusSearch();
    } else if (e.key === '?') {
      e.preventDefault();
      keys.showShortcuts();
    }
  };
  window.addEventListener('keydown', onKey);
  return () => window.removeEventListener('keydown', onKey);
}
