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

export function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

/** Global keys: `n` new task, `/` search, `Esc` closes. Letters are ignored while typing. */
export function installShortcuts(keys: { newTask(): void; focusSearch(): void }): () => void {
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
    if (e.key === 'n') {
      e.preventDefault();
      keys.newTask();
    } else if (e.key === '/') {
      e.preventDefault();
      keys.focusSearch();
    }
  };
  window.addEventListener('keydown', onKey);
  return () => window.removeEventListener('keydown', onKey);
}
