import { createMemo } from 'solid-js';
import { renderMarkdown } from '../lib/markdown.js';

/** Markdown from files and agents, sanitized before it touches the DOM. */
export function Markdown(props: { source: string; class?: string }) {
  const html = createMemo(() => renderMarkdown(props.source));
  return <div class={`markdown ${props.class ?? ''}`} innerHTML={html()} />;
}
