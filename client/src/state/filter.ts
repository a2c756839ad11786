import { createSignal } from 'solid-js';
import type { Task } from '../../../shared/task.js';

const [query, setQuery] = createSignal('');
const [label, setLabel] = createSignal<string | null>(null);

export { label, query, setLabel, setQuery };

export function filtering(): boolean {
  return query().trim() !== '' || label() !== null;
}

/** A predicate for the current search: every word must appear in the title, id, labels or description. */
export function taskFilter(): (task: Task) => boolean {
  const words = query().toLowerCase().split(/\s+/).filter(Boolean);
  const wanted = label();
  if (words.length === 0 && wanted === null) return () => true;
  return (task) => {
    if (wanted !== null && !task.labels.includes(wanted)) return false;
    if (words.length === 0) return true;
    const haystack = `${task.title}\n${task.id}\n${task.labels.join(' ')}\n${task.description}`.toLowerCase();
    return words.every((w) => haystack.includes(w));
  };
}
