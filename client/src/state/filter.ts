import { createSignal } from 'solid-js';
import type { Task } from '../../../shared/task.js';
import { needsYou } from '../lib/run-state.js';

const [query, setQuery] = createSignal('');
const [label, setLabel] = createSignal<string | null>(null);
/** Only the tasks that need a person (the header's counter toggles it). */
const [needsYouOnly, setNeedsYouOnly] = createSignal(false);

export { label, needsYouOnly, query, setLabel, setNeedsYouOnly, setQuery };

export function filtering(): boolean {
  return query().trim() !== '' || label() !== null || needsYouOnly();
}

/** A predicate for the current search: every word must appear in the title, id, labels or description. */
export function taskFilter(): (task: Task) => boolean {
  const words = query().toLowerCase().split(/\s+/).filter(Boolean);
  const wanted = label();
  const onlyNeedsYou = needsYouOnly();
  if (words.length === 0 && wanted === null && !onlyNeedsYou) return () => true;
  return (task) => {
    if (onlyNeedsYou && !needsYou(task)) return false;
    if (wanted !== null && !task.labels.includes(wanted)) return false;
    if (words.length === 0) return true;
    const haystack = `${task.title}\n${task.id}\n${task.labels.join(' ')}\n${task.description}`.toLowerCase();
    return words.every((w) => haystack.includes(w));
  };
}
